"""The simulator server the worker processes call: what crosses the socket, and how."""

from __future__ import annotations

import pytest

from b2bcore.adapters.remote import SimulatorServer, connect
from b2bcore.bootstrap import in_memory_world
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.ports import ReservationLine
from tests.builders import SHOP_NOW


def test_domain_errors_cross_the_socket_as_themselves() -> None:
    """Unavailable and Rejected raised by a served simulator are raised to the caller with
    their type, system and message, as the worker's retry logic needs."""
    world = in_memory_world(now=SHOP_NOW)
    world.erp.fail_next(1, Unavailable("sap", "read timeout"))
    with SimulatorServer(world) as server:
        erp = connect(server.address, server.authkey).erp
        with pytest.raises(Unavailable) as timeout:
            erp.stock(["PAPER"])
        with pytest.raises(Rejected) as refusal:
            erp.release(key="k", reference="RS-404")
    assert (timeout.value.system, str(timeout.value)) == ("sap", "sap: read timeout")
    assert str(refusal.value) == "sap: unknown reservation RS-404"


def test_writes_reach_the_simulator_of_the_test() -> None:
    """A reservation made through the proxy is in the test's own simulator."""
    world = in_memory_world(now=SHOP_NOW)
    world.erp.set_stock("PAPER", 5)
    with SimulatorServer(world) as server:
        erp = connect(server.address, server.authkey).erp
        result = erp.reserve(
            key="k1",
            order_number="B2B-1",
            customer="7700111118",
            lines=[ReservationLine(sku="PAPER", quantity=2)],
        )
    assert (result.reference, world.erp.reserved("PAPER")) == ("RS-000001", 2)


def test_only_port_methods_are_served() -> None:
    """A worker cannot drive the world: the simulator's own controls are not exposed."""
    world = in_memory_world(now=SHOP_NOW)
    with SimulatorServer(world) as server:
        erp = connect(server.address, server.authkey).erp
        with pytest.raises(AttributeError):
            erp.set_stock("PAPER", 1)  # type: ignore[attr-defined]
