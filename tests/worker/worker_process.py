"""A real worker process for the crash and concurrency tests.

``python -m tests.worker.worker_process DATABASE_URL HOST:PORT AUTHKEY_HEX WORKER_ID [options]``
builds the application on the database with the simulators the test process
serves (:mod:`b2bcore.adapters.remote`), prints ``ready`` and runs
:meth:`Worker.run_forever` until SIGTERM, or until the test kills it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from datetime import timedelta
from types import FrameType

from b2bcore.adapters.clock import SystemClock
from b2bcore.adapters.remote import connect
from b2bcore.application import Worker, WorkerSettings
from b2bcore.bootstrap import bootstrap
from b2bcore.config import Config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="worker_process")
    parser.add_argument("database_url")
    parser.add_argument("address", help="host:port of the simulator server")
    parser.add_argument("authkey", help="the server's authkey, in hex")
    parser.add_argument("worker_id")
    parser.add_argument("--lease", type=float, default=2.0, help="seconds")
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between job runs")
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"{args.worker_id} %(levelname)s %(message)s")

    host, port = args.address.rsplit(":", 1)
    simulators = connect((host, int(port)), bytes.fromhex(args.authkey))
    app = bootstrap(
        Config(database_url=args.database_url),
        clock=SystemClock(),
        **simulators.adapters(),
    )
    worker = Worker(
        app.services,
        worker_id=args.worker_id,
        settings=WorkerSettings(
            lease=timedelta(seconds=args.lease),
            batch=args.batch,
            poll_interval=timedelta(seconds=args.poll),
            backoff_initial=timedelta(seconds=0.2),
            backoff_max=timedelta(seconds=1),
            nightly_discounts=False,
        ),
        seed=args.seed,
    )
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    print("ready", flush=True)
    report = worker.run_forever(stop)
    cpu = time.process_time()
    print(f"done {report.total} deferred {report.deferred} failed {report.failed} cpu {cpu:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
