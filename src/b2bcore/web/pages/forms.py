"""Form input and form errors: a readable message next to the field at fault.

A handler takes ``data: FormData`` (url-encoded) or ``data: UploadData``
(multipart); :class:`Form` reads single and repeated fields; :func:`field_errors`
turns a domain error into ``{field: message}`` for the template macros, which
print the message under the field it names (or above the form when it names none).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.params import Body

from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.i18n import describe_error, translate

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
UploadData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
FORM = "__form__"
"""The key of errors that belong to the whole form, not to one field."""
MAX_FIELD = 1000


class Form:
    """The submitted fields, trimmed; a repeated field is a list."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def get(self, name: str, default: str = "") -> str:
        value = self._data.get(name, default)
        if isinstance(value, list):
            value = value[0] if value else default
        return str(value).strip()[:MAX_FIELD] if isinstance(value, str | int) else default

    def optional(self, name: str) -> str | None:
        return self.get(name) or None

    def getall(self, name: str) -> list[str]:
        value = self._data.get(name, [])
        values = value if isinstance(value, list) else [value]
        return [str(v).strip() for v in values if isinstance(v, str) and v.strip()]

    def secret(self, name: str) -> str:
        """A password as typed: not trimmed, only bounded in length."""
        value = self._data.get(name, "")
        return value[:MAX_FIELD] if isinstance(value, str) else ""

    def upload(self, name: str) -> Any:
        return self._data.get(name)

    def values(self) -> dict[str, str]:
        """The fields to show again in a refused form (never a password)."""
        return {
            key: self.get(key)
            for key in self._data
            if "password" not in key and not key.startswith("_")
        }


def field_errors(error: DomainError, locale: str, fields: tuple[str, ...] = ()) -> dict[str, str]:
    """``{field: message}``: the field the error names if the form has it, else the form."""
    field = error.field if isinstance(error, InvalidValue) else getattr(error, "field", None)
    key = field if isinstance(field, str) and field in fields else FORM
    return {key: describe_error(error, locale)}


def required(form: Form, locale: str, *names: str) -> dict[str, str]:
    """``{field: "must not be empty"}`` for each of ``names`` left blank."""
    message = translate("must not be empty", locale)
    return {name: message for name in names if not form.get(name)}
