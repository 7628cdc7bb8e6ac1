"""The ASGI application: the JSON API under /api/v1 (bearer tokens, OpenAPI at
/api/schema) and the server-rendered pages everywhere else (sessions, CSRF)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from litestar import Litestar, Request, Response, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.stores.base import Store
from litestar.types import ExceptionHandlersMap

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.actors import Actor
from b2bcore.web.auth import TokenBook, bearer_auth
from b2bcore.web.cabinet import CabinetController
from b2bcore.web.deps import DEPENDENCIES
from b2bcore.web.errors import HANDLERS
from b2bcore.web.orders import OrdersController, QuoteController
from b2bcore.web.pages import PageSettings, mount
from b2bcore.web.queue import QueueController

API_PREFIX = "/api/v1"
SCHEMA_PATH = "/api/schema"
MAX_BODY = 1024 * 1024


def create_app(
    app: B2B,
    *,
    tokens: Mapping[str, Actor],
    pages: PageSettings | None = None,
    stores: Mapping[str, Store] | None = None,
    simulators: InMemoryWorld | None = None,
) -> Litestar:
    """The web shell over ``app``; each of ``tokens`` authenticates as its Actor on the API.

    ``pages`` configures the HTML pages (CSRF secret, secure cookies, public URL);
    ``stores`` may name a shared ``"sessions"`` store for shops running several
    processes. ``simulators`` (a demo shop only) adds the simulator page at ``/demo``.
    """
    api = Router(
        path=API_PREFIX,
        route_handlers=[CabinetController, OrdersController, QuoteController, QueueController],
        security=[{"BearerToken": []}],
        middleware=[bearer_auth(TokenBook(tokens))],  # bearer tokens on the API only
    )
    site = mount(pages or PageSettings(), simulators)
    return Litestar(
        route_handlers=[api, *site.routes],
        dependencies=DEPENDENCIES,
        exception_handlers=_by_path(HANDLERS, site.handlers),
        middleware=site.middleware,
        csrf_config=site.csrf,
        template_config=site.templates,
        stores=dict(stores or {}),
        openapi_config=OpenAPIConfig(
            title="b2bcore",
            version="1",
            path=SCHEMA_PATH,
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
        ),
        request_max_body_size=MAX_BODY,
        state=State({"b2b": app, **site.state}),
    )


Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def _by_path(api: ExceptionHandlersMap, pages: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """JSON errors under /api, error pages everywhere else (also for unknown paths and
    for refusals by middleware, such as a failed CSRF check)."""

    def either(api_handler: Handler, page_handler: Handler) -> Handler:
        def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
            if request.url.path.startswith("/api"):
                return api_handler(request, exc)
            return page_handler(request, exc)

        return handle

    assert api.keys() == pages.keys()
    return {kind: either(api[kind], pages[kind]) for kind in api}
