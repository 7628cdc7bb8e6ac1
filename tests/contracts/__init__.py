"""Contract tests: one abstract suite per port, run against every adapter of it.

Each module holds a ``<Port>Contract`` class written against the port's
Protocol only, and at its end the subclass that runs it against the in-memory
adapter. The external-system suites (company lookup, ERP, accounting, document
management, mail, document storage) share one shape; their in-memory
subclasses also test what only the simulator offers (``fail_next``,
``side_effects``, the demo data). To prove another adapter of one of those
ports (an HTTP one, say) behaves the same, subclass the contract in that
adapter's test module and implement:

* ``make_adapter()`` -- a fresh adapter over a fresh, empty world. An autouse
  fixture calls it before every test, the subclass's own tests included, so
  the subclass may keep its world on ``self`` there for the hooks to use;
* the ``given_*`` / ``when_*`` hooks, where a test must change the world the
  port only reads (put stock on a shelf, book a bank payment). For an HTTP
  adapter the world is usually a simulator behind an ``httpx.MockTransport``.

The contract classes do not start with ``Test`` so pytest collects them only
through their subclasses.
"""
