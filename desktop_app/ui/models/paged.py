"""A list/table model that loads pages from a service as the view scrolls (canFetchMore/fetchMore)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop_app.services.paging import Page

T = TypeVar("T")
ItemRole = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 200

Index = QModelIndex | QPersistentModelIndex
PageLoader = Callable[[object | None, int], Page[Any]]
# (query, on_page, on_failure): run the page read off the UI thread, call back on it (ui.ops.Ops.run_read)
PageRunner = Callable[
    [Callable[[], Page[Any]], Callable[[Page[Any]], None], Callable[[BaseException], None]], object
]


class PagedListModel(QAbstractTableModel, Generic[T]):
    """Holds only the rows fetched so far; asks the loader for the next page when the view needs it.

    A list view shows column 0; table subclasses name their columns in `headers`.
    """

    headers: tuple[str, ...] = ("",)

    def __init__(self, loader: PageLoader, page_size: int = PAGE_SIZE, parent: Any = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._page_size = page_size
        self._items: list[T] = []
        self._after: object | None = None
        self._exhausted = True
        self._runner: PageRunner | None = None  # None: pages are read right here (model tests, tools)
        self._fetching = False
        self._generation = 0  # bumped by every reload: a page fetched before it is dropped

    # -- loading -------------------------------------------------------------------------------
    def set_loader(self, loader: PageLoader) -> None:
        self._loader = loader
        self.reload()

    @property
    def loader(self) -> PageLoader:
        """The loader as it is now; hand it to `collect` on another thread with the current query."""
        return self._loader

    def reload(self, keep_rows: int = 0) -> None:
        """Start over from the first page, loading at least `keep_rows` rows (to keep the scroll)."""
        self.apply_loaded(collect(self._loader, max(self._page_size, keep_rows), self._page_size))

    def load_query(self, keep_rows: int = 0) -> Callable[[], Loaded[T]]:
        """A read of the first pages under the current query, to run off the UI thread (`apply_loaded`)."""
        loader, wanted, size = self._loader, max(self._page_size, keep_rows), self._page_size
        return lambda: collect(loader, wanted, size)

    def read_pages_with(self, runner: PageRunner) -> None:
        """Read the next page off the UI thread when the view scrolls (the window passes ops.run_read)."""
        self._runner = runner

    def apply_loaded(self, loaded: Loaded[T]) -> None:
        """Show rows read by `collect` (on any thread); runs on the UI thread."""
        items, after, exhausted = loaded
        self._generation += 1
        self._fetching = False
        self.beginResetModel()
        self._items, self._after, self._exhausted = list(items), after, exhausted
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._exhausted and not self._fetching

    @property
    def fetching(self) -> bool:
        """A page is on its way (read off the UI thread)."""
        return self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if parent.isValid() or self._exhausted or self._fetching:
            return
        if self._runner is None:
            self._append(self._loader(self._after, self._page_size))
            return
        loader, after, size, generation = self._loader, self._after, self._page_size, self._generation
        self._fetching = True

        def arrived(page: Page[T]) -> None:
            if generation == self._generation:  # not reloaded meanwhile
                self._fetching = False
                self._append(page)

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self._fetching = False

        self._runner(lambda: loader(after, size), arrived, failed)

    def _append(self, page: Page[T]) -> None:
        self._after = page.after
        self._exhausted = page.after is None
        if page.items:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(page.items) - 1)
            self._items.extend(page.items)
            self.endInsertRows()

    # -- reading -------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return None

    def item(self, row: int) -> T | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def items(self) -> list[T]:
        return list(self._items)

    def row_of(self, predicate: Callable[[T], bool]) -> int:
        for row, item in enumerate(self._items):
            if predicate(item):
                return row
        return -1

    def replace_item(self, row: int, item: T) -> None:
        self._items[row] = item
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.headers) - 1))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role == ItemRole:
            return item
        return self.cell(item, index.column(), role)

    def cell(self, item: T, column: int, role: int) -> Any:
        """What one cell shows; list models describe the whole item in column 0."""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.describe(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item)
        return None

    def describe(self, item: T) -> str:
        return str(item)

    def tooltip(self, item: T) -> str | None:
        return None


Loaded = tuple[list[T], object | None, bool]  # rows, cursor after them, nothing more to fetch


def collect(
    loader: Callable[[object | None, int], Page[T]], wanted: int, page_size: int = PAGE_SIZE
) -> Loaded[T]:
    """Read the first `wanted` rows page by page: pure reads, safe on a background thread."""
    items: list[T] = []
    after: object | None = None
    while len(items) < wanted:
        page = loader(after, min(page_size, wanted - len(items)) or page_size)
        items.extend(page.items)
        after = page.after
        if after is None:
            return items, None, True
    return items, after, False


def item_at(model: QAbstractItemModel, index: QModelIndex | QPersistentModelIndex) -> Any:
    return model.data(index, ItemRole) if index.isValid() else None
