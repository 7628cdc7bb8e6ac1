"""The manager's workplace under ``/manager/``: the manual queue and the review of an
order, clients and their cards, new clients with their cabinets, orders on a client's
behalf, and one-click registration requests. Managers only (see :mod:`.desk`)."""

from __future__ import annotations

from litestar import Router
from litestar.types import ControllerRouterHandler

from b2bcore.web.pages.manager.clients import ClientsController
from b2bcore.web.pages.manager.desk import (
    DESK_DEPENDENCIES,
    PREFIX,
    DeskController,
    ManagerViewer,
    ManagerViewing,
    managers_only,
)
from b2bcore.web.pages.manager.orders import NewOrderController
from b2bcore.web.pages.manager.queue import QueueController, ReviewController
from b2bcore.web.pages.manager.registrations import RegistrationsController

MANAGER_PAGES: list[ControllerRouterHandler] = [
    QueueController,
    NewOrderController,
    ReviewController,
    ClientsController,
    RegistrationsController,
]


def manager_router() -> Router:
    """Every manager page, mounted at ``/manager``."""
    return Router(
        path=PREFIX,
        route_handlers=MANAGER_PAGES,
        dependencies=DESK_DEPENDENCIES,
        include_in_schema=False,
    )


__all__ = [
    "MANAGER_PAGES",
    "DeskController",
    "ManagerViewer",
    "ManagerViewing",
    "manager_router",
    "managers_only",
]
