"""Domain errors cross process boundaries (multiprocessing pickles them) as themselves."""

from __future__ import annotations

import inspect
import pickle

import pytest

import b2bcore.application  # noqa: F401  # its errors (RegistrationRefused) count too
from b2bcore.domain.errors import DomainError


def every_domain_error() -> list[type[DomainError]]:
    found, pending = [], [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__qualname__)


def sample(cls: type[DomainError]) -> DomainError:
    """An instance built through the class's own ``__init__``, whatever it takes: a
    number for an ``int`` parameter, a text for any other, and a keyword parameter
    if it takes any."""
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        value: object = 90 if "int" in str(parameter.annotation) else f"some {name}"
        if name == "self" or parameter.kind is parameter.VAR_POSITIONAL:
            continue
        if parameter.kind is parameter.VAR_KEYWORD:
            kwargs["order_id"] = "o-1"
        elif parameter.kind is parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return cls(*args, **kwargs)


@pytest.mark.parametrize("cls", every_domain_error(), ids=lambda cls: cls.__qualname__)
def test_every_domain_error_round_trips_through_pickle(cls: type[DomainError]) -> None:
    """Unpickled, an error has its type, message, code, params and own attributes."""
    error = sample(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert (str(copy), copy.args, copy.code) == (str(error), error.args, error.code)
    assert copy.__dict__ == error.__dict__


def test_the_subclasses_found_include_those_outside_the_domain() -> None:
    """The walk over subclasses reaches every layer's errors, not only the domain's."""
    names = {cls.__name__ for cls in every_domain_error()}
    assert {"Unavailable", "Rejected", "InvalidValue", "RegistrationRefused"} <= names
