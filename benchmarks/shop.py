"""A shop to benchmark on: valid company identifiers in bulk, and a database seeded with
a manager, the catalogue and buyers through the use cases, as a real shop would be."""

from __future__ import annotations

from decimal import Decimal

import attrs

from b2bcore import Actor, Config, bootstrap, in_memory_world
from b2bcore.adapters.persistence.sql import migrate
from b2bcore.application import NewContact
from b2bcore.domain.client import CompanyKind, Manager, Requisites
from b2bcore.domain.identifiers import Inn, Kpp
from b2bcore.domain.money import VatRate
from b2bcore.domain.pricing import CartItem, Product

_INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
KPP = "770001001"

MANAGER = Manager(id="mgr-1", full_name="Анна Смирнова", email="a.smirnova@shop.example.ru")
CATALOGUE = (
    Product(sku="PAPER", name="Бумага А4, 500 листов", list_price=Decimal("500.00")),
    Product(sku="PEN", name="Ручка шариковая синяя", list_price=Decimal("33.33")),
    Product(
        sku="BOOK",
        name="Справочник бухгалтера",
        list_price=Decimal("850.00"),
        vat_rate=VatRate.VAT10,
    ),
)
CART = (CartItem(sku="PAPER", quantity=10), CartItem(sku="PEN", quantity=20))


def legal_inn(number: int) -> str:
    """The ``number``-th valid 10-digit INN of a legal entity (region 77)."""
    base = f"77{number:07d}"
    check = sum(int(digit) * weight for digit, weight in zip(base, _INN_WEIGHTS, strict=True))
    return f"{base}{check % 11 % 10}"


def requisites(number: int) -> Requisites:
    return Requisites(
        inn=Inn(legal_inn(number)),
        kpp=Kpp(KPP),
        ogrn=None,
        kind=CompanyKind.LEGAL_ENTITY,
        full_name=f'Общество с ограниченной ответственностью "Клиент {number}"',
        short_name=f'ООО "Клиент {number}"',
        legal_address="г Москва, ул Примерная, д 1",
    )


@attrs.frozen
class Buyer:
    """What a buyer needs to place an order: its ids, picklable for a worker process."""

    client_id: str
    company_id: str
    contact_id: str
    address_id: str


def seed(database_url: str, buyers: int) -> list[Buyer]:
    """Migrate the database and fill it through the use cases: the manager, the
    catalogue, and ``buyers`` registered clients with a delivery address each."""
    migrate.upgrade(database_url)
    world = in_memory_world()
    for number in range(buyers):
        world.companies.add_party(requisites(number))
    app = bootstrap(Config(database_url=database_url), world=world)
    app.catalogue.add_manager(MANAGER)
    app.catalogue.upsert_products(CATALOGUE)
    seeded = []
    for number in range(buyers):
        registered = app.registration.register_client(
            inn=legal_inn(number),
            kpp=KPP,
            contact=NewContact(full_name="Пётр Иванов", email=f"buyer{number}@client.example.ru"),
            notify=False,
        )
        actor = Actor.buyer(registered.contact_id, registered.client_id)
        address = app.cabinet.add_address(actor, label="Офис", address="г Москва, ул Садовая, д 1")
        seeded.append(
            Buyer(
                client_id=registered.client_id,
                company_id=registered.company_id,
                contact_id=registered.contact_id,
                address_id=address.id,
            )
        )
    return seeded
