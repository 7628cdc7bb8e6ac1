"""Hypothesis profiles and the fixtures most test modules share.

The "ci" profile is pinned (derandomized, 100 examples) and loaded when the
``CI`` environment variable is set, as ``.ci/run`` does; elsewhere "dev" keeps
hypothesis's random exploration.

The shop fixtures build on each other: ``now`` → ``world`` (every simulator on a
fixed clock) → ``app`` (a manager, the catalogue and its stock) → ``cast``
(clients A and B registered through the use cases, see
:class:`tests.builders.Cast`), with one fixture per actor for readability.
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from hypothesis import settings

from b2bcore.adapters.clock import FixedClock
from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld, bootstrap, in_memory_world
from b2bcore.domain.actors import Actor
from tests.builders import SHOP_NOW, Cast, register_cast, seed_shop

pytest_plugins = ["tests.databases"]  # fresh migrated SQLite/PostgreSQL databases

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if "CI" in os.environ else "dev")


@pytest.fixture
def now() -> datetime:
    """Thursday 26 November 2026, 10:00 UTC."""
    return SHOP_NOW


@pytest.fixture
def world(now: datetime) -> InMemoryWorld:
    return in_memory_world(now=now)


@pytest.fixture
def clock(world: InMemoryWorld) -> FixedClock:
    """The world's clock, which tests move forward."""
    assert isinstance(world.clock, FixedClock)
    return world.clock


@pytest.fixture
def app(world: InMemoryWorld) -> B2B:
    """The application with one manager, the catalogue and stock; no clients yet."""
    application = bootstrap(world=world)
    seed_shop(application, world)
    return application


@pytest.fixture
def cast(app: B2B) -> Cast:
    """Clients A (two companies, supervisor, employee) and B (one buyer), registered."""
    return register_cast(app)


@pytest.fixture
def supervisor(cast: Cast) -> Actor:
    return cast.supervisor


@pytest.fixture
def employee(cast: Cast) -> Actor:
    """Client A's employee, granted the head office but not the branch."""
    return cast.employee


@pytest.fixture
def other_buyer(cast: Cast) -> Actor:
    """Client B's buyer: a stranger to everything of client A."""
    return cast.other_buyer


@pytest.fixture
def manager(cast: Cast) -> Actor:
    return cast.manager


@pytest.fixture
def system() -> Actor:
    return Actor.system()
