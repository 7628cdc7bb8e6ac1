"""The one place that wires the application.

``bootstrap(config, world=...)`` builds :class:`~b2bcore.application.B2B` from
configuration and a set of adapters. :func:`in_memory_world` gives working
simulators of every external system (SAP, 1C, DaData, document management,
mail, storage) for the demo, for tests, and for integrators' own tests::

    world = in_memory_world()
    app = bootstrap(world=world)
    world.erp.set_stock("IPHONE-16", 10)

A system with a section in the configuration (``[dadata]``, ``[edms]``,
``[smtp]``, ...) gets its real adapter instead (:mod:`b2bcore.systems`), with
its secrets read from the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from b2bcore.adapters.clock import FixedClock, SystemClock
from b2bcore.adapters.dadata import CompanyDirectory
from b2bcore.adapters.edms import InMemoryDocumentManagement
from b2bcore.adapters.files import InMemoryDocumentStorage, LocalDocumentStorage
from b2bcore.adapters.mail import OutboxMailer
from b2bcore.adapters.numbering import InMemoryNumberSequence
from b2bcore.adapters.onec import AccountingLedger
from b2bcore.adapters.passwords import Argon2PasswordHasher
from b2bcore.adapters.pdf import PdfDocumentRenderer
from b2bcore.adapters.persistence import (
    InMemoryDatabase,
    InMemoryOutboxQueue,
    InMemoryUnitOfWorkFactory,
)
from b2bcore.adapters.persistence.sql import (
    SqlNumberSequence,
    SqlOutboxQueue,
    SqlUnitOfWorkFactory,
    create_engine_from_url,
)
from b2bcore.adapters.reports import CsvReportWriter, XlsxReportWriter
from b2bcore.adapters.sap import ErpSimulator
from b2bcore.application import B2B, HANDLED_TOPICS, Services
from b2bcore.config import DEFAULT_DOCUMENTS_PATH, Config
from b2bcore.ports import (
    Accounting,
    Clock,
    CompanyLookup,
    DocumentManagement,
    DocumentRenderer,
    DocumentStorage,
    Erp,
    Mailer,
    NumberSequence,
    OutboxQueue,
    PasswordHasher,
    UnitOfWorkFactory,
)
from b2bcore.systems import RealSystems


@attrs.frozen(kw_only=True)
class InMemoryWorld:
    """Simulators of every system b2bcore talks to, sharing one clock."""

    clock: FixedClock | SystemClock
    companies: CompanyDirectory
    erp: ErpSimulator
    ledger: AccountingLedger
    edms: InMemoryDocumentManagement
    mailer: OutboxMailer
    documents: InMemoryDocumentStorage
    numbers: InMemoryNumberSequence
    database: InMemoryDatabase


def in_memory_world(
    *, now: datetime | None = None, companies: CompanyDirectory | None = None
) -> InMemoryWorld:
    """A fresh world; a fixed clock at ``now`` if given, else the system clock."""
    clock: FixedClock | SystemClock = SystemClock() if now is None else FixedClock(now)
    return InMemoryWorld(
        clock=clock,
        companies=companies if companies is not None else CompanyDirectory.demo(),
        erp=ErpSimulator(clock=clock),
        ledger=AccountingLedger(clock=clock),
        edms=InMemoryDocumentManagement(),
        mailer=OutboxMailer(),
        documents=InMemoryDocumentStorage(),
        numbers=InMemoryNumberSequence(),
        database=InMemoryDatabase(),
    )


def bootstrap(
    config: Config | None = None,
    *,
    world: InMemoryWorld | None = None,
    environ: Mapping[str, str] | None = None,
    uow: UnitOfWorkFactory | None = None,
    clock: Clock | None = None,
    company_lookup: CompanyLookup | None = None,
    erp: Erp | None = None,
    accounting: Accounting | None = None,
    edms: DocumentManagement | None = None,
    mailer: Mailer | None = None,
    documents: DocumentStorage | None = None,
    numbers: NumberSequence | None = None,
    queue: OutboxQueue | None = None,
    renderer: DocumentRenderer | None = None,
    passwords: PasswordHasher | None = None,
) -> B2B:
    """Build the application; an adapter not given is the real one for a system
    configured in ``config``, else the simulator from ``world`` (in-memory).

    With ``config.database_url`` set, storage and numbering are SQL (the schema
    must be migrated: ``b2b db upgrade``); otherwise they are in memory too.
    Secrets are read from ``environ`` (default: the process environment).
    Passwords are hashed with Argon2id unless ``passwords`` is given (tests pass
    :class:`~b2bcore.adapters.passwords.FastPasswordHasher`).
    """
    config = config or Config()
    world = world or in_memory_world()
    real = RealSystems.from_config(config, environ)
    if uow is None and config.database_url is not None:
        engine = create_engine_from_url(config.database_url)
        uow = SqlUnitOfWorkFactory(engine, topics=HANDLED_TOPICS)
        numbers = numbers or SqlNumberSequence(engine, block=config.number_block)
        queue = queue or SqlOutboxQueue(engine)
    if documents is None and (config.documents_path or config.database_url):
        documents = LocalDocumentStorage(config.documents_path or DEFAULT_DOCUMENTS_PATH)
    services = Services(
        uow=uow or InMemoryUnitOfWorkFactory(world.database, topics=HANDLED_TOPICS),
        clock=clock or world.clock,
        company_lookup=company_lookup or real.company_lookup or world.companies,
        erp=erp or real.erp or world.erp,
        accounting=accounting or real.accounting or world.ledger,
        edms=edms or real.edms or world.edms,
        mailer=mailer or real.mailer or world.mailer,
        documents=documents or world.documents,
        numbers=numbers or world.numbers,
        queue=queue or InMemoryOutboxQueue(world.database),
        renderer=renderer or PdfDocumentRenderer(),
        report_writers={
            "csv": CsvReportWriter(
                delimiter=config.settings.report_csv_delimiter, bom=config.settings.report_csv_bom
            ),
            "xlsx": XlsxReportWriter(),
        },
        passwords=passwords or Argon2PasswordHasher(),
        discounts=config.discount_policy(),
        autoprocessing=config.autoprocessing_policy(),
        tariff=config.tariff(),
        settings=config.settings,
    )
    return B2B.from_services(services)
