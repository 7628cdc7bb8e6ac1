"""Ports: what the core needs from the world, as :class:`typing.Protocol` classes."""

from b2bcore.ports.accounting import Accounting, IncomingPayment, InvoiceRecord
from b2bcore.ports.clock import Clock
from b2bcore.ports.company_lookup import BankInfo, CompanyLookup
from b2bcore.ports.document_storage import DocumentStorage
from b2bcore.ports.documents import DocumentRenderer
from b2bcore.ports.edms import Contract, DocumentManagement
from b2bcore.ports.erp import (
    Erp,
    ReservationLine,
    ReservationResult,
    ShipmentState,
    ShipmentStatus,
    Shortage,
)
from b2bcore.ports.logins import LoginRepository
from b2bcore.ports.mail import Attachment, EmailMessage, Mailer
from b2bcore.ports.numbering import NumberSequence
from b2bcore.ports.outbox import (
    ClaimedMessage,
    DeadMessage,
    OutboxMessage,
    OutboxQueue,
    OutboxRepository,
)
from b2bcore.ports.passwords import PasswordHasher
from b2bcore.ports.probe import Probe, ProbeResult, ProbeStatus
from b2bcore.ports.reports import CellKind, ReportColumn, ReportWriter
from b2bcore.ports.repositories import (
    ClientPage,
    ClientRepository,
    ClientSummary,
    ContractPriceRepository,
    ManagerRepository,
    OrderFilter,
    OrderRepository,
    OrderSummary,
    ProductRepository,
    ReportFilter,
    ReportRow,
    TaskRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)

__all__ = [
    "Accounting",
    "Attachment",
    "BankInfo",
    "CellKind",
    "ClaimedMessage",
    "ClientPage",
    "ClientRepository",
    "ClientSummary",
    "Clock",
    "CompanyLookup",
    "Contract",
    "ContractPriceRepository",
    "DeadMessage",
    "DocumentManagement",
    "DocumentRenderer",
    "DocumentStorage",
    "EmailMessage",
    "Erp",
    "IncomingPayment",
    "InvoiceRecord",
    "LoginRepository",
    "Mailer",
    "ManagerRepository",
    "NumberSequence",
    "OrderFilter",
    "OrderRepository",
    "OrderSummary",
    "OutboxMessage",
    "OutboxQueue",
    "OutboxRepository",
    "PasswordHasher",
    "Probe",
    "ProbeResult",
    "ProbeStatus",
    "ProductRepository",
    "ReportColumn",
    "ReportFilter",
    "ReportRow",
    "ReportWriter",
    "ReservationLine",
    "ReservationResult",
    "ShipmentState",
    "ShipmentStatus",
    "Shortage",
    "TaskRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
