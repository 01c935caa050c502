"""Pages of long lists: the items and an opaque cursor for the next page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a long list; `after` is the opaque cursor for the next page (None = the end)."""

    items: list[T]
    after: object | None = None


def offset_of(after: object | None) -> int:
    """The row offset an `after` cursor stands for (services page by offset)."""
    return after if isinstance(after, int) else 0


def page_of(items: list[T], offset: int, limit: int) -> Page[T]:
    """A page whose cursor points past `items`, or None when fewer than `limit` came back."""
    return Page(items, offset + len(items) if len(items) >= limit else None)
