"""A fake 1C:Enterprise standard OData interface (OData v3, JSON) on loopback.

``/<base>/odata/standard.odata/<Entity>`` for the entities of 1C:ERP / КА the
accounting adapter uses: counterparties, invoices to customers and incoming
bank payments. Collections answer ``{"odata.metadata": ..., "value": [...]}``,
objects answer themselves, errors ``{"odata.error": {"code", "message"}}``.
Supported: ``$filter`` (the usual operators and literals), ``$select``,
``$orderby`` (one property), ``$top``, ``$skip``; POST to create, PATCH by
``(guid'…')``, and the ``/Post`` action. Dates are local wall time without a
zone, numbers are JSON numbers, an unknown entity is 400 as 1C answers it.

Basic authentication is enforced (401). Invoice numbers are unique like in 1C.
Tests play the bank with :meth:`FakeOnec.book_payment`.
"""

from __future__ import annotations

import base64
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from b2bcore.adapters.onec.odata_settings import OnecSettings
from tests.fakes.odata import FakeOData, FilterError, Reply, Request, matches, select

USERNAME = "Обмен_B2B"
PASSWORD = "пароль-1c"
ROOT = "/trade/odata/standard.odata"
INVOICE = "Document_СчетНаОплатуКлиенту"
PAYMENT = "Document_ПоступлениеБезналичныхДенежныхСредств"
COUNTERPARTY = "Catalog_Контрагенты"
ZONE = timezone(timedelta(hours=3))
EMPTY_REF = "00000000-0000-0000-0000-000000000000"
_PATH = re.compile(r"^(\w+)(?:\(guid'([0-9a-f-]{36})'\))?(?:/(\w+))?$")


def settings_for(url: str, **overrides: Any) -> OnecSettings:
    """Adapter settings that match the fake (root, credentials, short timeouts)."""
    values: dict[str, Any] = {
        "base_url": url + ROOT,
        "username": USERNAME,
        "timeout": 5.0,
        "read_attempts": 1,
    }
    values.update(overrides)
    return OnecSettings(**values)


def odata_error(status: int, message: str, code: str = "-1") -> Reply:
    return Reply.of_json(
        status, {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
    )


class FakeOnec(FakeOData):
    def __init__(self) -> None:
        super().__init__()
        self.entities: dict[str, dict[str, dict[str, Any]]] = {
            COUNTERPARTY: {},
            INVOICE: {},
            PAYMENT: {},
        }
        self._state = threading.RLock()
        self._numbers = 0

    def __enter__(self) -> FakeOnec:
        super().__enter__()
        return self

    # -- the bank and the accountant, as tests drive them ---------------------------------

    def book_payment(
        self, invoice_number: str, amount: Decimal, at: datetime, *, purpose: str | None = None
    ) -> str:
        """A bank statement line credited at ``at``: a posted incoming payment."""
        with self._state:
            self._numbers += 1
            ref = str(uuid.uuid4())
            local = at.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S")
            text = purpose or (
                f"Оплата по счету № {invoice_number} от 26.11.2026 за товары. "
                f"Сумма {amount} руб., в т.ч. НДС (22%)"
            )
            self.entities[PAYMENT][ref] = {
                "Ref_Key": ref,
                "DataVersion": "AAAAAQAAAAA=",
                "DeletionMark": False,
                "Number": f"0000-{self._numbers:06d}",
                "Date": local,
                "Posted": True,
                "СуммаДокумента": amount,
                "Контрагент_Key": EMPTY_REF,
                "НазначениеПлатежа": text,
                "ПроведеноБанком": True,
                "ДатаПроведенияБанком": local,
            }
            return ref

    def invoice(self, number: str) -> dict[str, Any]:
        with self._state:
            return next(r for r in self.entities[INVOICE].values() if r["Number"] == number)

    # -- HTTP --------------------------------------------------------------------------

    def authorize(self, request: Request) -> Reply | None:
        expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if request.headers.get("authorization") == f"Basic {expected}":
            return None
        return Reply(
            401,
            "<html><body>Не удалось выполнить аутентификацию</body></html>".encode(),
            "text/html; charset=utf-8",
            (("WWW-Authenticate", 'Basic realm="1C:Enterprise"'),),
        )

    def answer(self, request: Request) -> Reply:
        if not request.path.startswith(ROOT + "/"):
            return Reply(404, b"<html>Not Found</html>", "text/html")
        match = _PATH.match(request.path[len(ROOT) + 1 :])
        if match is None or match[1] not in self.entities:
            return odata_error(400, f"Не найден объект {request.path}", "14")
        entity, ref, action = match[1], match[2], match[3]
        try:
            with self._state:
                return self._dispatch(request, entity, ref, action)
        except FilterError as exc:
            return odata_error(400, f"Ошибка разбора $filter: {exc}", "10")

    def _dispatch(  # noqa: PLR0911 - one return per OData route reads best
        self, request: Request, entity: str, ref: str | None, action: str | None
    ) -> Reply:
        rows = self.entities[entity]
        if ref is None:
            if request.method == "POST":
                return self._create(entity, request.json())
            return self._collection(request, entity, list(rows.values()))
        if ref not in rows:
            return odata_error(404, f"Объект не найден: guid'{ref}'", "4")
        row = rows[ref]
        if (action, request.method) == ("Post", "POST"):
            row["Posted"] = True
            return Reply(200)
        if (action, request.method) == (None, "PATCH"):
            changes = request.json()
            unknown = set(changes) - set(row)
            if unknown:
                return odata_error(400, f"Неизвестные поля: {', '.join(sorted(unknown))}", "9")
            row.update(changes)
        elif (action, request.method) != (None, "GET"):
            return odata_error(400, f"Метод {request.method} не поддерживается", "8")
        return self._object(entity, row, request)

    def _create(self, entity: str, body: Any) -> Reply:
        if not isinstance(body, dict):
            return odata_error(400, "Ожидался объект JSON", "7")
        ref = str(uuid.uuid4())
        row: dict[str, Any] = {"Ref_Key": ref, "DataVersion": "AAAAAQAAAAA=", "DeletionMark": False}
        if entity == COUNTERPARTY:
            row.update({"Code": f"{len(self.entities[entity]) + 1:09d}", "Description": ""})
            row.update({"НаименованиеПолное": "", "ИНН": "", "КПП": "", "ЮрФизЛицо": ""})
        elif entity == INVOICE:
            number = body.get("Number")
            if any(r["Number"] == number for r in self.entities[INVOICE].values()):
                return odata_error(400, f"Номер {number} не уникален!", "5")
            row.update({"Number": "", "Date": "0001-01-01T00:00:00", "Posted": False})
            row.update({"СуммаДокумента": Decimal(0), "Контрагент_Key": EMPTY_REF})
            row.update({"Аннулирован": False, "Комментарий": "", "Организация_Key": EMPTY_REF})
            row["ЭтапыГрафикаОплаты"] = []
            if body.get("Контрагент_Key") not in self.entities[COUNTERPARTY]:
                return odata_error(400, "Не заполнено поле Контрагент", "6")
        unknown = set(body) - set(row)
        if unknown:
            return odata_error(400, f"Неизвестные поля: {', '.join(sorted(unknown))}", "9")
        row.update(body)
        self.entities[entity][ref] = row
        return self._object(entity, row, None, status=201)

    def _object(
        self, entity: str, row: dict[str, Any], request: Request | None, status: int = 200
    ) -> Reply:
        fields = request.query.get("$select", "") if request is not None else ""
        body = {"odata.metadata": f"{ROOT}/$metadata#{entity}/@Element", **select(row, fields)}
        return _json(status, body)

    def _collection(self, request: Request, entity: str, rows: list[dict[str, Any]]) -> Reply:
        found = [r for r in rows if matches(request.query.get("$filter", ""), r)]
        order = request.query.get("$orderby", "").split()
        if order:
            found.sort(key=lambda r: r[order[0]], reverse=order[1:] == ["desc"])
        skip = int(request.query.get("$skip", "0"))
        top = int(request.query.get("$top", str(len(found))))
        fields = request.query.get("$select", "")
        value = [select(r, fields) for r in found[skip : skip + top]]
        return _json(200, {"odata.metadata": f"{ROOT}/$metadata#{entity}", "value": value})


def _json(status: int, body: object) -> Reply:
    """Like 1C: numbers as JSON numbers (decimals without quotes)."""
    return Reply.of_json(status, _numbers(body))


def _numbers(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value
