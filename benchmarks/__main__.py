"""``python -m benchmarks [--only NAME] [--scale FACTOR] [--quick]``: run the benchmarks
and print their figures, ratios and bars. ``make bench`` runs them all at scale 1.0."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from benchmarks import discounts, documents, imports, intake, pipeline, web
from benchmarks.harness import Options, load_average, machine, postgres_server, print_table

BENCHMARKS: dict[str, Callable[[Options], None]] = {
    intake.NAME: intake.run,
    discounts.NAME: discounts.run,
    imports.NAME: imports.run,
    documents.NAME: documents.run,
    pipeline.NAME: pipeline.run,
    web.NAME: web.run,
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="repeatable")
    parser.add_argument("--scale", type=float, default=1.0, help="data sizes x FACTOR")
    parser.add_argument("--quick", action="store_true", help="tiny and short: a smoke test")
    args = parser.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    started = time.perf_counter()
    with postgres_server() as server:
        options = Options(scale=args.scale, quick=args.quick, postgres=server)
        print_table("Machine", ["what", "value"], machine(server))
        print(f"\n  options: scale {args.scale:g}{', quick' if args.quick else ''}")
        for name in chosen:
            BENCHMARKS[name](options)
    print(f"\n  all done in {time.perf_counter() - started:.0f} s; load average {load_average()}")


if __name__ == "__main__":
    main()
