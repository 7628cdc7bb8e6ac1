"""The 1C OData adapter: what the Accounting contract does not cover.

Against the fake 1C (tests/fakes/onec.py): broken answers, posting, the
counterparty, matching payments to invoices, probes. With
``httpx.MockTransport``: the exact requests and answers the fake never gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import stamina

from b2bcore.adapters.onec.odata import OnecOdataAccounting
from b2bcore.adapters.onec.odata_settings import OnecSettings
from b2bcore.domain.errors import InvalidValue, Rejected, Unavailable
from b2bcore.ports.accounting import InvoiceRecord
from b2bcore.ports.probe import ProbeStatus
from tests.fakes.onec import COUNTERPARTY, INVOICE, PAYMENT, FakeOnec, settings_for
from tests.fakes.server import Fault

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SECRETS = {"B2B_ONEC_PASSWORD": "пароль-1c"}
NUMBER = "СЧ-2026-000001"


@pytest.fixture(autouse=True)
def no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=5, cap=True):
        yield


@pytest.fixture
def onec() -> Iterator[FakeOnec]:
    with FakeOnec() as fake:
        yield fake


@pytest.fixture
def connect(onec: FakeOnec) -> Iterator[Callable[..., OnecOdataAccounting]]:
    opened: list[OnecOdataAccounting] = []

    def make(**overrides: Any) -> OnecOdataAccounting:
        overrides.setdefault("max_response_bytes", 64 * 1024)
        adapter = OnecOdataAccounting.from_settings(settings_for(onec.url, **overrides), SECRETS)
        opened.append(adapter)
        return adapter

    yield make
    for adapter in opened:
        adapter.close()


@pytest.fixture
def accounting(connect: Callable[..., OnecOdataAccounting]) -> OnecOdataAccounting:
    return connect()


def invoice(
    number: str = NUMBER, amount: str = "12200.00", kpp: str = "770001001"
) -> InvoiceRecord:
    return InvoiceRecord(
        number=number,
        issued_on=date(2026, 11, 26),
        due_date=date(2026, 12, 1),
        amount=Decimal(amount),
        customer_inn="7700111118",
        customer_kpp=kpp,
        customer_name='ООО "Ромашка"',
    )


# -- broken answers ----------------------------------------------------------------------


def each_payment(change: Callable[[dict[str, Any]], None]) -> Callable[[Any], Any]:
    def mutate(data: Any) -> Any:
        for row in data["value"]:
            change(row)
        return data

    return mutate


BROKEN = [
    pytest.param(Fault.HTML, Rejected, "expected JSON, got text/html: Please log on", id="html"),
    pytest.param(Fault.TRUNCATED, Rejected, "not valid JSON", id="truncated"),
    pytest.param(Fault.GARBAGE, Rejected, "response is not", id="garbage"),
    pytest.param(Fault.HUGE, Rejected, "exceeds 65536", id="huge"),
    pytest.param(Fault.HUGE_UNDECLARED, Rejected, "exceeds 65536 bytes", id="huge-undeclared"),
    pytest.param(
        each_payment(lambda r: r.pop("СуммаДокумента")),
        Rejected,
        "СуммаДокумента is missing",
        id="missing-field",
    ),
    pytest.param(
        each_payment(lambda r: r.update(СуммаДокумента="много")),
        Rejected,
        "СуммаДокумента: expected a number, got str 'много'",
        id="wrong-type",
    ),
    pytest.param(
        each_payment(lambda r: r.update(ДатаПроведенияБанком=20261126)),
        Rejected,
        "ДатаПроведенияБанком: expected a string, got int",
        id="date-as-number",
    ),
    pytest.param(
        each_payment(lambda r: r.update(Ref_Key="42")),
        Rejected,
        "Ref_Key: expected a GUID",
        id="bad-guid",
    ),
    pytest.param(lambda d: {"d": {"results": []}}, Rejected, "expected {'value'", id="v2-envelope"),
    pytest.param(lambda d: {"value": [17]}, Rejected, "expected an object, got int", id="row"),
    pytest.param(Fault.TOO_MANY_REQUESTS, Unavailable, "HTTP 429", id="429"),
    pytest.param(Fault.SERVER_ERROR, Unavailable, "HTTP 500", id="500"),
    pytest.param(Fault.SLOW, Unavailable, "timed out", id="slow"),
    pytest.param(Fault.DROP, Unavailable, f"GET {PAYMENT}", id="dropped"),
]


@pytest.mark.parametrize(("fault", "error", "text"), BROKEN)
def test_a_broken_payment_answer_raises_the_port_error(
    onec: FakeOnec,
    connect: Callable[..., OnecOdataAccounting],
    fault: Any,
    error: type[Exception],
    text: str,
) -> None:
    """Each way an answer can be broken gives Unavailable or Rejected naming 1c and the fault."""
    accounting = connect(timeout=1.0)
    onec.book_payment(NUMBER, Decimal("1.00"), T0)
    onec.fail_next(fault, path=PAYMENT)
    with pytest.raises(error) as caught:
        accounting.payments_since(T0)
    assert str(caught.value).startswith(f"1c: GET {PAYMENT}")
    assert text in str(caught.value)


def test_a_broken_create_answer_is_refused_and_the_retry_finds_the_invoice(
    onec: FakeOnec, accounting: OnecOdataAccounting
) -> None:
    """A created invoice answered without Ref_Key is refused; the retry finds it by number."""
    onec.fail_next(
        lambda row: {k: v for k, v in row.items() if k != "Ref_Key"}, path=INVOICE, method="POST"
    )
    with pytest.raises(Rejected, match="Ref_Key is missing"):
        accounting.register_invoice(key="i1", invoice=invoice())
    reference = accounting.register_invoice(key="i1", invoice=invoice())
    assert list(onec.entities[INVOICE]) == [reference]


# -- register --------------------------------------------------------------------------------


def test_a_registered_invoice_is_posted_with_its_schedule(
    onec: FakeOnec, accounting: OnecOdataAccounting
) -> None:
    """Number, date, amount, counterparty, due date and posting all reach 1C."""
    reference = accounting.register_invoice(key="i1", invoice=invoice())
    row = onec.invoice(NUMBER)
    assert row["Ref_Key"] == reference
    assert (row["Date"], row["СуммаДокумента"], row["Posted"]) == (
        "2026-11-26T00:00:00",
        Decimal("12200.00"),
        True,
    )
    assert row["ЭтапыГрафикаОплаты"][0]["ДатаПлатежа"] == "2026-12-01T00:00:00"
    [counterparty] = onec.entities[COUNTERPARTY].values()
    assert (counterparty["ИНН"], counterparty["КПП"]) == ("7700111118", "770001001")
    assert row["Контрагент_Key"] == counterparty["Ref_Key"]


def test_an_unposted_invoice_is_posted_by_the_retry(
    onec: FakeOnec, accounting: OnecOdataAccounting
) -> None:
    """A failure between writing and posting is repaired by the retry, without a second invoice."""
    onec.fail_next(Fault.SERVER_ERROR, path="/Post")
    with pytest.raises(Unavailable):
        accounting.register_invoice(key="i1", invoice=invoice())
    assert onec.invoice(NUMBER)["Posted"] is False
    accounting.register_invoice(key="i1", invoice=invoice())
    assert onec.invoice(NUMBER)["Posted"] is True
    assert len(onec.entities[INVOICE]) == 1


def test_a_taken_number_with_another_amount_is_rejected(accounting: OnecOdataAccounting) -> None:
    """Invoice numbers are unique: other data under a taken number is refused."""
    accounting.register_invoice(key="i1", invoice=invoice())
    with pytest.raises(Rejected, match="already taken by other data"):
        accounting.register_invoice(key="i2", invoice=invoice(amount="1.00"))


def test_a_counterparty_is_found_once_and_reused(
    onec: FakeOnec, accounting: OnecOdataAccounting
) -> None:
    """Two invoices for one buyer share one counterparty."""
    accounting.register_invoice(key="i1", invoice=invoice("СЧ-1"))
    accounting.register_invoice(key="i2", invoice=invoice("СЧ-2"))
    assert len(onec.entities[COUNTERPARTY]) == 1


def test_a_missing_counterparty_is_refused_when_creating_is_off(
    onec: FakeOnec, connect: Callable[..., OnecOdataAccounting]
) -> None:
    """create_counterparty = false: an unknown buyer parks the invoice with a clear reason."""
    with pytest.raises(Rejected, match="no counterparty with INN 7700111118 and KPP 770001001"):
        connect(create_counterparty=False).register_invoice(key="i1", invoice=invoice())
    assert onec.entities[INVOICE] == {}


def test_a_non_positive_amount_is_rejected(accounting: OnecOdataAccounting) -> None:
    """Nothing is written for a zero invoice."""
    with pytest.raises(Rejected, match="must be positive"):
        accounting.register_invoice(key="i1", invoice=invoice(amount="0.00"))


# -- payments ---------------------------------------------------------------------------------


def test_payments_that_name_no_invoice_are_skipped(
    onec: FakeOnec, accounting: OnecOdataAccounting
) -> None:
    """A refund from a supplier or a tax return is not ours."""
    onec.book_payment(NUMBER, Decimal("5.00"), T0)
    onec.book_payment("", Decimal("9.00"), T0, purpose="Возврат НДС из бюджета")
    assert [p.amount for p in accounting.payments_since(T0)] == [Decimal("5.00")]


def test_payments_not_booked_by_the_bank_or_deleted_are_left_out(
    onec: FakeOnec, accounting: OnecOdataAccounting
) -> None:
    """ПроведеноБанком false and DeletionMark true are not money received."""
    draft = onec.book_payment(NUMBER, Decimal("1.00"), T0)
    deleted = onec.book_payment(NUMBER, Decimal("2.00"), T0)
    onec.book_payment(NUMBER, Decimal("3.00"), T0)
    onec.entities[PAYMENT][draft]["ПроведеноБанком"] = False
    onec.entities[PAYMENT][deleted]["DeletionMark"] = True
    assert [p.amount for p in accounting.payments_since(T0)] == [Decimal("3.00")]


def test_a_configured_pattern_finds_the_number(
    onec: FakeOnec, connect: Callable[..., OnecOdataAccounting]
) -> None:
    """invoice_number_pattern with a group named number picks that group."""
    onec.book_payment("", Decimal("1.00"), T0, purpose="Оплата счета INV/77 за ноябрь")
    accounting = connect(invoice_number_pattern=r"счета (?P<number>INV/\d+)")
    assert [p.invoice_number for p in accounting.payments_since(T0)] == ["INV/77"]


def test_payments_are_read_page_by_page(
    onec: FakeOnec, connect: Callable[..., OnecOdataAccounting]
) -> None:
    """$top/$skip pages are read until a short one, oldest first."""
    for minutes in range(5):
        onec.book_payment(NUMBER, Decimal(minutes + 1), T0 + timedelta(minutes=minutes))
    payments = connect(page_size=2).payments_since(T0)
    assert [p.amount for p in payments] == [Decimal(n) for n in range(1, 6)]
    assert onec.count("GET", PAYMENT) == 3


def test_a_naive_since_is_refused(accounting: OnecOdataAccounting) -> None:
    """A moment without a zone is a programming error, named as such."""
    with pytest.raises(InvalidValue, match="since"):
        accounting.payments_since(datetime(2026, 11, 26, 9))


# -- annul -------------------------------------------------------------------------------------


def test_annulling_sets_the_flag_once(onec: FakeOnec, accounting: OnecOdataAccounting) -> None:
    """The first annulment writes Аннулирован; the second sends no write."""
    accounting.register_invoice(key="i1", invoice=invoice())
    accounting.annul_invoice(key="a1", invoice_number=NUMBER)
    accounting.annul_invoice(key="a2", invoice_number=NUMBER)
    assert onec.invoice(NUMBER)["Аннулирован"] is True
    assert onec.count("PATCH", INVOICE) == 1


def test_annulling_an_unknown_invoice_is_rejected(accounting: OnecOdataAccounting) -> None:
    """An unknown number is refused rather than silently ignored."""
    with pytest.raises(Rejected, match="unknown invoice СЧ-404"):
        accounting.annul_invoice(key="a1", invoice_number="СЧ-404")


# -- probe ---------------------------------------------------------------------------------------


def test_probe_ok(accounting: OnecOdataAccounting) -> None:
    """Good credentials and published entities probe OK."""
    assert accounting.probe().status is ProbeStatus.OK


def test_probe_bad_password(onec: FakeOnec) -> None:
    """A 401 probes as bad credentials."""
    accounting = OnecOdataAccounting.from_settings(
        settings_for(onec.url), {"B2B_ONEC_PASSWORD": "wrong"}
    )
    assert accounting.probe().status is ProbeStatus.BAD_CREDENTIALS
    accounting.close()


def test_probe_unreachable() -> None:
    """Nobody listening probes as unreachable."""
    with FakeOnec() as onec:
        url = onec.url
    accounting = OnecOdataAccounting.from_settings(settings_for(url), SECRETS)
    assert accounting.probe().status is ProbeStatus.UNREACHABLE
    accounting.close()


def test_probe_unpublished_entity(connect: Callable[..., OnecOdataAccounting]) -> None:
    """An entity not published to OData (1C answers 400) probes as misconfigured."""
    accounting = connect(payment_entity="Document_ПоступлениеНаРасчетныйСчет")
    result = accounting.probe()
    assert result.status is ProbeStatus.MISCONFIGURED
    assert "Не найден объект" in result.detail


def test_settings_are_checked() -> None:
    """The root must be a standard.odata URL; the pattern must compile."""
    with pytest.raises(ValueError, match=r"standard\.odata"):
        OnecSettings(base_url="http://1c.example/trade/hs", username="u")
    with pytest.raises(ValueError, match="invoice_number_pattern"):
        settings_for("http://1c.example", invoice_number_pattern="(")


def test_a_missing_password_is_named() -> None:
    """from_settings names the environment variable that is missing."""
    with pytest.raises(InvalidValue, match="B2B_ONEC_PASSWORD"):
        OnecOdataAccounting.from_settings(settings_for("http://1c.example"), {})


# -- exact requests and answers (MockTransport) --------------------------------------------------


def mock_accounting(
    handler: Callable[[httpx.Request], httpx.Response], **overrides: Any
) -> OnecOdataAccounting:
    return OnecOdataAccounting.from_settings(
        settings_for("http://1c.example", **overrides), SECRETS, httpx.MockTransport(handler)
    )


def test_amounts_are_sent_as_exact_numbers() -> None:
    """Money goes out as a JSON number written from the Decimal, never through a float."""
    sent: list[httpx.Request] = []
    guid = "0f8fad5b-d9cb-469f-a165-70867728950e"

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "POST":
            return httpx.Response(
                201, json={"Ref_Key": guid, "СуммаДокумента": 0.1, "Posted": True}
            )
        found = [{"Ref_Key": guid}] if "Catalog_" in request.url.path else []
        return httpx.Response(200, json={"value": found})

    accounting = mock_accounting(handler, invoice_constants={"Организация_Key": guid})
    with pytest.raises(Rejected):  # 1C answered another amount: refused, as it should be
        accounting.register_invoice(key="i1", invoice=invoice(amount="1234567890123.45"))
    post = next(r for r in sent if r.method == "POST")
    body = post.content.decode()
    assert '"СуммаДокумента": 1234567890123.45' in body
    assert json.loads(body)["Организация_Key"] == guid
    assert post.url.params["$format"] == "json"
    assert "/Document_%D0%A1" in str(post.url)


def test_the_payment_filter_uses_the_infobase_time() -> None:
    """``since`` in UTC becomes 1C's local wall time in the $filter; results come back in UTC."""
    seen: list[httpx.Request] = []
    row = {
        "Ref_Key": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "СуммаДокумента": 100,
        "ДатаПроведенияБанком": "2026-11-26T12:00:00",
        "Date": "2026-11-26T00:00:00",
        "НазначениеПлатежа": f"Оплата по счету {NUMBER}",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"value": [row]})

    [payment] = mock_accounting(handler).payments_since(T0)
    assert "ДатаПроведенияБанком ge datetime'2026-11-26T12:00:00'" in seen[0].url.params["$filter"]
    assert payment.received_at == T0
    assert payment.received_at.tzinfo is UTC


def test_an_annulled_value_can_be_a_status() -> None:
    """annulled_field/annulled_value fit a configuration with a status enum instead of a flag."""
    guid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    patches: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            patches.append(json.loads(request.content))
            return httpx.Response(200, json={})
        return httpx.Response(
            200, json={"value": [{"Ref_Key": guid, "Статус": "Действует", "Posted": True}]}
        )

    accounting = mock_accounting(handler, annulled_field="Статус", annulled_value="Аннулирован")
    accounting.annul_invoice(key="a1", invoice_number=NUMBER)
    assert patches == [{"Статус": "Аннулирован"}]


def test_odata_error_messages_reach_the_caller() -> None:
    """1C's odata.error message is in the Rejected text."""
    error = {"odata.error": {"code": "15", "message": {"lang": "ru", "value": "Нет прав"}}}
    accounting = mock_accounting(lambda _: httpx.Response(403, json=error))
    with pytest.raises(Rejected, match="HTTP 403: Нет прав"):
        accounting.payments_since(T0)
