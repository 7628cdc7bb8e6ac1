"""Use cases, grouped by who uses them. Build the whole thing with :func:`b2bcore.bootstrap`."""

from __future__ import annotations

import attrs

from b2bcore.application.accounts import Accounts, SignedIn
from b2bcore.application.cabinet import Cabinet, CabinetSummary
from b2bcore.application.catalogue import Catalogue
from b2bcore.application.context import SellerRequisites, Services, Settings
from b2bcore.application.discounts import Discounts
from b2bcore.application.documents import Documents
from b2bcore.application.handlers import HANDLED_TOPICS
from b2bcore.application.jobs import RunReport
from b2bcore.application.ordering import Ordering
from b2bcore.application.processing import Processing
from b2bcore.application.registration import (
    NewContact,
    Registered,
    Registration,
    RegistrationRefused,
    UploadedFile,
)
from b2bcore.application.reports import Reports
from b2bcore.application.review import LineAdjustment, Review
from b2bcore.application.worker import Worker, WorkerSettings


@attrs.frozen
class B2B:
    """The application: every use case, wired to one set of adapters."""

    services: Services
    registration: Registration
    cabinet: Cabinet
    ordering: Ordering
    review: Review
    processing: Processing
    catalogue: Catalogue
    discounts: Discounts
    documents: Documents
    reports: Reports
    accounts: Accounts

    @classmethod
    def from_services(cls, services: Services) -> B2B:
        return cls(
            services=services,
            registration=Registration(services),
            cabinet=Cabinet(services),
            ordering=Ordering(services),
            review=Review(services),
            processing=Processing(services),
            catalogue=Catalogue(services),
            discounts=Discounts(services),
            documents=Documents(services),
            reports=Reports(services),
            accounts=Accounts(services),
        )


__all__ = [
    "B2B",
    "HANDLED_TOPICS",
    "Accounts",
    "Cabinet",
    "CabinetSummary",
    "Catalogue",
    "Discounts",
    "Documents",
    "LineAdjustment",
    "NewContact",
    "Ordering",
    "Processing",
    "Registered",
    "Registration",
    "RegistrationRefused",
    "Reports",
    "Review",
    "RunReport",
    "SellerRequisites",
    "Services",
    "Settings",
    "SignedIn",
    "UploadedFile",
    "Worker",
    "WorkerSettings",
]
