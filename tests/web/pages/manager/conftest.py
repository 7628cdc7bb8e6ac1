"""A signed-in manager's browser over the shared in-memory shop (see ``tests/web``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from b2bcore.application import B2B
from tests.builders import SHOP_MANAGER
from tests.web.pages.conftest import PASSWORD, Browser, sign_in


@pytest.fixture
def manager_login(app: B2B) -> str:
    """The shop's manager can sign in with :data:`PASSWORD`; returns their e-mail."""
    app.accounts.create_manager_login(SHOP_MANAGER.id, PASSWORD)
    return SHOP_MANAGER.email


@pytest.fixture
def manager_browser(open_browser: Callable[[], Browser], manager_login: str) -> Browser:
    client = open_browser()
    assert sign_in(client, manager_login).status_code == 303
    return client
