"""GET /api/v1/cabinet: discount, the amount to the next tier, the manager, the companies."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from b2bcore.web.deps import Acting, App
from b2bcore.web.errors import refusals
from b2bcore.web.schemas import CabinetOut


class CabinetController(Controller):
    path = "/cabinet"
    tags = ["cabinet"]  # noqa: RUF012 — Litestar reads these as plain class attributes

    @get(sync_to_thread=True, summary="The client's cabinet summary", responses=refusals())
    def summary(
        self,
        b2b: App,
        actor: Acting,
        client_id: Annotated[
            str | None, QueryParameter(max_length=64, description="A manager names the client.")
        ] = None,
    ) -> CabinetOut:
        return CabinetOut.of(b2b.cabinet.summary(actor, client_id))
