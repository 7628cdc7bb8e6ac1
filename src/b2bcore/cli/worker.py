"""`b2b worker`: drain the outbox and run the periodic jobs, until stopped or idle."""

from __future__ import annotations

import os
import signal
import socket
import threading
from datetime import timedelta
from types import FrameType

import click

from b2bcore.application import RunReport, Worker, WorkerSettings
from b2bcore.cli.context import CliContext
from b2bcore.i18n import translate


def _summary(report: RunReport) -> None:
    for step, count in sorted(report.done.items()):
        click.echo(f"  {translate(step)}: {count}")
    click.echo(
        translate(
            "Done {done}, deferred {deferred}, failed {failed}",
            done=report.total,
            deferred=report.deferred,
            failed=report.failed,
        )
    )


@click.command()
@click.option(
    "--until-idle", is_flag=True, help="Drain everything that can be done now, then exit."
)
@click.option(
    "--poll", default=30.0, show_default=True, help="Seconds between payment/shipment polls."
)
@click.option("--worker-id", default=lambda: f"{socket.gethostname()}:{os.getpid()}")
@click.pass_obj
def worker(ctx: CliContext, until_idle: bool, poll: float, worker_id: str) -> None:
    """Process orders automatically: reserve, invoice, mail, poll payments and shipments.

    Several workers may run against one PostgreSQL database. SIGTERM or Ctrl-C
    finishes the message in hand and stops.
    """
    runner = Worker(
        ctx.app.services,
        worker_id=worker_id,
        settings=WorkerSettings(poll_interval=timedelta(seconds=poll)),
    )
    if until_idle:
        _summary(runner.run_until_idle())
        return
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(
            translate("Stopping after the current message ({signal})", signal=signum), err=True
        )
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo(translate("Worker {worker} started", worker=worker_id), err=True)
    _summary(runner.run_forever(stop))
