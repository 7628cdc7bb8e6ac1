"""``python -m benchmarks.peak MODULE [ARGS]``: run MODULE as ``python -m`` would, then
write this process's peak resident memory (``VmHWM`` of ``/proc/self/status``, in
KiB) to the file named by ``$B2B_BENCH_PEAK_FILE``.

Why not ``ru_maxrss`` from ``wait4``: Linux carries the high-water mark over
``fork`` and ``execve``, so a child started by a big parent reports the parent's
peak. ``VmHWM`` belongs to the address space the ``exec`` created: the child's own.
"""

from __future__ import annotations

import os
import re
import runpy
import sys
from pathlib import Path

PEAK_FILE = "B2B_BENCH_PEAK_FILE"


def peak_kib() -> int:
    found = re.search(r"^VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(found.group(1)) if found else 0


def main() -> None:
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        target = os.environ.get(PEAK_FILE)
        if target:
            Path(target).write_text(str(peak_kib()))


if __name__ == "__main__":
    main()
