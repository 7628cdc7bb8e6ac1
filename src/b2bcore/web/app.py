"""The ASGI application: the JSON API under /api/v1 and its OpenAPI schema at /api/schema."""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from b2bcore.application import B2B
from b2bcore.domain.actors import Actor
from b2bcore.web.auth import TokenBook, bearer_auth
from b2bcore.web.cabinet import CabinetController
from b2bcore.web.deps import DEPENDENCIES
from b2bcore.web.errors import HANDLERS
from b2bcore.web.orders import OrdersController, QuoteController
from b2bcore.web.queue import QueueController

API_PREFIX = "/api/v1"
SCHEMA_PATH = "/api/schema"
MAX_BODY = 1024 * 1024


def create_app(app: B2B, *, tokens: Mapping[str, Actor]) -> Litestar:
    """The web shell over ``app``; each of ``tokens`` authenticates as its Actor."""
    api = Router(
        path=API_PREFIX,
        route_handlers=[CabinetController, OrdersController, QuoteController, QueueController],
        security=[{"BearerToken": []}],
    )
    return Litestar(
        route_handlers=[api],
        dependencies=DEPENDENCIES,
        exception_handlers=HANDLERS,
        middleware=[bearer_auth(TokenBook(tokens), exclude=[f"^{SCHEMA_PATH}"])],
        openapi_config=OpenAPIConfig(
            title="b2bcore",
            version="1",
            path=SCHEMA_PATH,
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
        ),
        request_max_body_size=MAX_BODY,
        state=State({"b2b": app}),
    )
