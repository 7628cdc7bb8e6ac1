"""Adapters: the ports implemented for each outside system.

Each system has its own package (``dadata``, ``sap``, ``onec``, ``edms``,
``mail``, ``files``). The in-memory simulators here behave like the real
systems -- idempotency keys, all-or-nothing reservations, registry states,
injected failures -- so the unit tests, the demo and integrators' own tests can
run the whole order flow without a network. Real HTTP adapters live beside them
and are proven equal by the contract tests in ``tests/contracts``.
"""
