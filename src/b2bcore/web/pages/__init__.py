"""Server-rendered pages (Russian by default, English on request) over the use cases.

:func:`mount` gives :func:`b2bcore.web.create_app` everything the pages add to the
app: their routes, the Jinja templates, sessions, CSRF, flash messages and the
error pages. The manager's pages (:mod:`.manager`) are mounted under ``/manager/``.
See ``docs/web.md``.
"""

from __future__ import annotations

from pathlib import Path

import attrs
from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware.base import DefineMiddleware
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from b2bcore.bootstrap import InMemoryWorld
from b2bcore.web.pages.base import PAGE_DEPENDENCIES, PageController, Viewer, render, see_other
from b2bcore.web.pages.cabinet import (
    AddressesController,
    CompaniesController,
    HomeController,
    UsersController,
)
from b2bcore.web.pages.cart import CartController, CatalogueController
from b2bcore.web.pages.config import PageSettings
from b2bcore.web.pages.errors import HANDLERS
from b2bcore.web.pages.manager import manager_router
from b2bcore.web.pages.orders import OrdersController
from b2bcore.web.pages.ratelimit import AttemptLimiter
from b2bcore.web.pages.registration import RegistrationController
from b2bcore.web.pages.session import session_config
from b2bcore.web.pages.signin import PasswordController, SignInController
from b2bcore.web.pages.simulator import STATE_KEY as SIMULATORS
from b2bcore.web.pages.simulator import simulator_pages
from b2bcore.web.pages.templating import template_config

STATIC = Path(__file__).resolve().parent.parent / "static"
CSRF_COOKIE = "b2b_csrf"
BUYER_PAGES: list[ControllerRouterHandler] = [
    SignInController,
    PasswordController,
    RegistrationController,
    HomeController,
    CompaniesController,
    UsersController,
    AddressesController,
    CatalogueController,
    CartController,
    OrdersController,
]


@attrs.frozen(kw_only=True)
class Mount:
    """What the pages add to a Litestar app."""

    routes: list[ControllerRouterHandler]
    middleware: list[DefineMiddleware]
    csrf: CSRFConfig
    templates: TemplateConfig  # type: ignore[type-arg]
    handlers: ExceptionHandlersMap
    state: dict[str, object]


def mount(settings: PageSettings, simulators: InMemoryWorld | None = None) -> Mount:
    """With ``simulators`` (a demo shop) the simulator page is added at ``/demo``."""
    pages = Router(
        path="/",
        route_handlers=BUYER_PAGES,
        dependencies=PAGE_DEPENDENCIES,
        include_in_schema=False,
    )
    static = create_static_files_router(path="/static", directories=[STATIC], name="pages-static")
    demo = [simulator_pages()] if simulators is not None else []
    return Mount(
        routes=[pages, manager_router(), static, *demo],
        middleware=[
            session_config(
                secure=settings.secure_cookies, max_age=settings.session_max_age
            ).middleware
        ],
        csrf=CSRFConfig(
            secret=settings.secret,
            cookie_name=CSRF_COOKIE,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=["^/api/", "^/static/"],
        ),
        templates=template_config(),
        handlers=HANDLERS,
        state={
            "pages": settings,
            "login_limiter": AttemptLimiter(settings.login_attempts, settings.login_window_seconds),
            **({SIMULATORS: simulators} if simulators is not None else {}),
        },
    )


__all__ = [
    "Mount",
    "PageController",
    "PageSettings",
    "Viewer",
    "mount",
    "render",
    "see_other",
]
