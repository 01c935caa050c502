"""The book and its unit of work offer every port member, with the port's parameters (mypy checks types)."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.domain.ports import ConsentBookPort, ConsentGatePort, UnitOfWorkPort
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.uow import UnitOfWork

PROTOCOL_NOISE = {"__init__", "__subclasshook__", "__class_getitem__", "__init_subclass__"}


def _members(port: type) -> dict[str, object]:
    names = {
        name
        for klass in port.__mro__
        if klass not in (object,) and getattr(klass, "_is_protocol", False)
        for name in vars(klass)
        if not name.startswith("_")
    }
    return {name: inspect.getattr_static(port, name) for name in names - PROTOCOL_NOISE}


def _parameters(function: object) -> list[tuple[str, object, bool]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in signature.parameters.values()]


@pytest.mark.parametrize(
    ("port", "concrete"),
    [(ConsentBookPort, ConsentBook), (ConsentGatePort, ConsentBook), (UnitOfWorkPort, UnitOfWork)],
)
def test_concrete_class_has_every_port_method_with_the_same_parameters(port: type, concrete: type) -> None:
    members = _members(port)
    assert members, f"{port.__name__} lists no members"
    for name, member in members.items():
        if isinstance(member, property):
            continue  # attributes on the concrete book (default_region, now): checked below
        implementation = inspect.getattr_static(concrete, name, None)
        assert implementation is not None, f"{concrete.__name__} lacks {name}"
        assert _parameters(implementation) == _parameters(member), f"{concrete.__name__}.{name} differs"


def test_port_attributes_exist_on_an_open_book(tmp_path: Path) -> None:
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    book = ConsentBook.open(tmp_path / "book.sqlite3", default_region="GB", now=lambda: moment)
    try:
        assert book.default_region == "GB"
        assert book.now() == moment
    finally:
        book.close()
