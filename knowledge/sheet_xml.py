"""What openpyxl's read-only mode does not tell about a sheet, read from the sheet's XML.

Read-only openpyxl streams cell values fast but skips merged ranges and row visibility, reads
a formula without a saved result as empty and an error value (``#N/A``) as text. This module
finds them with regular expressions over the raw XML (a sheet without any of them costs a few
searches), numbering rows and cells as openpyxl does: by their ``r`` attribute, or counting on
from the previous one where it is missing. Attributes may use either quote and spaces around
``=``, and tags any namespace prefix, as XML allows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import unquote

_PREFIX = rb"(?:[\w.-]+:)?"
# A row's start tag, or a whole cell (attributes and body). A cell's body never runs past the
# next cell's start, so an odd closing tag costs one cell's length, not the rest of the sheet.
_ROW = rb"<" + _PREFIX + rb"row(?=[\s/>])([^>]*)>"
_CELL = (
    rb"<" + _PREFIX + rb"c(?=[\s/>])([^>]*?)(?:/>|>([^<]*(?:<(?!" + _PREFIX + rb"c[\s/>])[^<]*)*?)"
    rb"</" + _PREFIX + rb"c\s*>)"
)
_ROWS = re.compile(_ROW)
_COLUMNS = re.compile(rb"<" + _PREFIX + rb"col\s([^>]*)>")
_ROWS_AND_CELLS = re.compile(_ROW + rb"|" + _CELL)


def _attribute(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"(?:^|\s)" + name + rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


_R, _T, _S, _HIDDEN = _attribute(b"r"), _attribute(b"t"), _attribute(b"s"), _attribute(b"hidden")
_MIN, _MAX = _attribute(b"min"), _attribute(b"max")
_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?(\d+)")
_MERGE_REF = re.compile(
    rb"<" + _PREFIX + rb"mergeCell\s+ref\s*=\s*[\"']([A-Za-z]+)(\d+):([A-Za-z]+)(\d+)[\"']"
)
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f[\s>/]")
_VALUE_TAG = re.compile(rb"<" + _PREFIX + rb"v[\s>/]")
_VALUE = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^>]*)?>([^<]*)<")
_ERROR_TYPE = re.compile(rb"(?:^|\s)t\s*=\s*[\"']e[\"']")
_AUTOFILTER = re.compile(rb"<" + _PREFIX + rb"filterColumn\b")
_HYPERLINK = re.compile(rb"<" + _PREFIX + rb"hyperlink\s([^>]*)>")
_RELATIONSHIP = re.compile(rb"<" + _PREFIX + rb"Relationship\s([^>]*)>")
_ANY_ID = re.compile(rb"(?:^|\s)[\w.-]+:id\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")  # r:id
_ID, _TARGET, _RANGE = _attribute(b"Id"), _attribute(b"Target"), _attribute(b"ref")


def _value(attrs: bytes, pattern: re.Pattern[bytes]) -> bytes | None:
    found = pattern.search(attrs)
    if found is None:
        return None
    return found.group(1) if found.group(1) is not None else found.group(2)


def column_number(letters: bytes) -> int:
    """``A`` is 1, ``AA`` 27 (either case)."""
    number = 0
    for c in letters.upper():
        number = number * 26 + c - 64
    return number


def column_letters(column: int) -> str:
    """1 is ``A``, 27 ``AA``."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row_number(attrs: bytes, previous: int) -> int:
    r = _value(attrs, _R)
    try:
        return int(float(r)) if r else previous + 1
    except ValueError:
        return previous + 1


def _rows(xml: bytes) -> Iterator[tuple[int, bytes]]:
    """Each row's number and start-tag attributes."""
    row = 0
    for found in _ROWS.finditer(xml):
        row = _row_number(found.group(1), row)
        yield row, found.group(1)


def _cells(xml: bytes) -> Iterator[tuple[int, int, bytes, bytes]]:
    """Each cell's row, column, attributes and body."""
    row = column = 0
    for found in _ROWS_AND_CELLS.finditer(xml):
        row_attrs, attrs, body = found.groups()
        if row_attrs is not None:
            row, column = _row_number(row_attrs, row), 0
            continue
        ref = _REF.fullmatch(_value(attrs, _R) or b"")
        if ref:
            row, column = int(ref.group(2)), column_number(ref.group(1))
        else:
            column += 1
        yield row, column, attrs, body or b""


_ROWS_PER_RANGE = 100  # a link on more rows than this is kept as a range
_COLUMNS_PER_RANGE = 100


class Links:
    """The sheet's cells linked to a web page (Excel's 「リンクの挿入」): single cells by row,
    and the few links set on a range of cells, kept as ranges (a whole column is one)."""

    def __init__(self) -> None:
        self._cells: dict[int, list[tuple[int, str]]] = {}
        self._ranges: list[tuple[int, int, int, int, str]] = []

    def add(self, first_row: int, first_column: int, last_row: int, last_column: int, url: str) -> None:
        if last_row - first_row < _ROWS_PER_RANGE:  # a cell, or a merged block: kept by row
            for row in range(first_row, last_row + 1):
                self._cells.setdefault(row, []).extend(
                    (c, url) for c in range(first_column, min(last_column, _COLUMNS_PER_RANGE + first_column) + 1))
        else:  # a whole column: few of these
            self._ranges.append((first_row, first_column, last_row, last_column, url))

    def __bool__(self) -> bool:
        return bool(self._cells or self._ranges)

    def at(self, row: int, columns: frozenset[int]) -> list[tuple[int, str]]:
        """(column, URL) of the linked cells of a row, among ``columns``."""
        found = [(c, url) for c, url in self._cells.get(row, ()) if c in columns]
        for r1, c1, r2, c2, url in self._ranges:
            if r1 <= row <= r2:
                found += [(c, url) for c in columns if c1 <= c <= c2]
        return found


class Layout(NamedTuple):
    """Merged ranges, as (first row, first column, last row, last column), 1-based; hidden
    rows; formula cells without a saved result, as (row, "C5"); cells holding an error value,
    by row, as (column, 'C5「#N/A」'); and hidden columns."""

    merged: list[tuple[int, int, int, int]]
    hidden: set[int]
    uncalculated: list[tuple[int, str]]
    errors: dict[int, list[tuple[int, str]]]
    hidden_columns: frozenset[int] = frozenset()
    # by row: (column, number format) of the cells to read as their format shows them
    formats: Mapping[int, list[tuple[int, str]]] = MappingProxyType({})
    links: Links = Links()


EMPTY = Layout([], set(), [], {})


def _hidden_columns(xml: bytes) -> frozenset[int]:
    """Columns hidden by hand (``<col min="3" max="4" hidden="1"/>``)."""
    columns: set[int] = set()
    for attrs in _COLUMNS.findall(xml):
        if _value(attrs, _HIDDEN) in (b"1", b"true"):
            try:
                first, last = int(_value(attrs, _MIN) or 0), int(_value(attrs, _MAX) or 0)
            except ValueError:
                continue
            columns.update(range(max(first, 1), min(last, 16384) + 1))
    return frozenset(columns)


def layout(xml: bytes, formats: dict[int, str] | None = None, relationships: bytes | None = None) -> Layout:
    """The :class:`Layout` of one sheet's XML; ``formats`` maps the style ids whose number
    format changes how a number reads (see :func:`displayed`) to that format;
    ``relationships`` is the sheet's ``.rels`` part, where its hyperlinks' URLs are (None:
    links are not wanted)."""
    # Rows an AutoFilter hides are a view the admin saved, not rows put away: they are read.
    hidden: set[int] = set()
    if b"hidden" in xml and not _AUTOFILTER.search(xml):
        hidden = {row for row, attrs in _rows(xml) if _value(attrs, _HIDDEN) in (b"1", b"true")}
    start = xml.find(b"mergeCells")
    merged = [] if start < 0 else [
        (int(r1), column_number(c1), int(r2), column_number(c2))
        for c1, r1, c2, r2 in _MERGE_REF.findall(xml, start)
    ]
    uncalculated: list[tuple[int, str]] = []
    errors: dict[int, list[tuple[int, str]]] = {}
    styled: dict[int, list[tuple[int, str]]] = {}
    wanted = {str(k).encode(): v for k, v in (formats or {}).items()}
    if wanted and not re.search(rb"(?:^|\s)s\s*=\s*[\"'](?:" + b"|".join(wanted) + rb")[\"']", xml):
        wanted = {}
    if wanted or _FORMULA.search(xml) or _ERROR_TYPE.search(xml):
        for row, column, attrs, body in _cells(xml):
            kind = _value(attrs, _T)
            style = wanted.get(_value(attrs, _S) or b"") if wanted else None
            if style is not None and kind in (None, b"n"):
                styled.setdefault(row, []).append((column, style))
            ref = f"{column_letters(column)}{row}"
            if kind == b"e":
                value = _VALUE.search(body)
                shown = f"{ref}「{value.group(1).decode(errors='replace')}」" if value else ref
                errors.setdefault(row, []).append((column, shown))
            elif _FORMULA.search(body) and not _saved(kind, body):
                uncalculated.append((row, ref))
    links = _hyperlinks(xml, relationships) if relationships and b"hyperlink" in xml else Links()
    return Layout(merged, hidden, uncalculated, errors, _hidden_columns(xml), styled, links)


def _hyperlinks(xml: bytes, relationships: bytes) -> Links:
    """The cells that link to a web page (Excel's 「リンクの挿入」)."""
    targets = {}
    for attrs in _RELATIONSHIP.findall(relationships):
        key, target = _value(attrs, _ID), _value(attrs, _TARGET)
        if key and target:
            targets[key] = html.unescape(target.decode(errors="replace"))
    links = Links()
    for attrs in _HYPERLINK.findall(xml):
        key, where = _value(attrs, _ANY_ID), _value(attrs, _RANGE)
        url = targets.get(key) if key else None
        corners = [_REF.fullmatch(part) for part in (where or b"").split(b":")]
        if not url or not corners or not all(corners):
            continue  # a link to a place in the workbook, or an odd reference
        first, last = corners[0], corners[-1]
        links.add(int(first.group(2)), column_number(first.group(1)),
                  int(last.group(2)), column_number(last.group(1)), url)
    return links


def _saved(kind: bytes | None, body: bytes) -> bool:
    """A formula cell has a saved result: a value, or an empty one marked as text."""
    value = _VALUE.search(body)
    if value is not None and value.group(1):
        return True
    return kind in (b"str", b"inlineStr") and _VALUE_TAG.search(body) is not None


_PADDED = re.compile(r"0{2,}")  # 000: an id or code shown with leading zeros
_PERCENT = re.compile(r"0(?:\.(0+))?%")


def shown_formats(codes: dict[int, str]) -> dict[int, str]:
    """Of style ids and their number formats, those :func:`displayed` renders."""
    return {i: code for i, code in codes.items() if _PADDED.fullmatch(code) or _PERCENT.fullmatch(code)}


def displayed(value: Any, code: str) -> Any:
    """A number as its format shows it: 1 in ``000`` is 「001」, 0.5 in ``0%`` 「50%」."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value
    if _PADDED.fullmatch(code) and float(value).is_integer():
        return f"{int(value):0{len(code)}d}"
    percent = _PERCENT.fullmatch(code)
    if percent:
        return f"{value * 100:.{len(percent.group(1) or '')}f}%"
    return value


def with_formats(row: tuple[Any, ...], formats: list[tuple[int, str]]) -> tuple[Any, ...]:
    """The row with these (column, format) cells as :func:`displayed`."""
    cells = list(row)
    for column, code in formats:
        if column <= len(cells):
            cells[column - 1] = displayed(cells[column - 1], code)
    return tuple(cells)


def with_links(row: tuple[Any, ...], links: list[tuple[int, str]]) -> tuple[Any, ...]:
    """The row with each linked cell's text followed by its URL (「手引き https://…」, the
    form a link column takes; in an answer, Teams shows the URL as a link). A cell that shows
    its own address keeps it as it is, and an emptied cell stays empty."""
    if not links:
        return row
    cells = list(row)
    for column, url in links:
        if column <= len(cells) and cells[column - 1] is not None:
            text = str(cells[column - 1]).strip()
            if text and not _same_address(text, url):
                cells[column - 1] = f"{text} {url}"
    return tuple(cells)


def _same_address(text: str, url: str) -> bool:
    """Whether a cell's text is (or holds) the address it links to, as Excel links a typed
    URL or e-mail address: ``https://a.example`` to ``https://a.example/``, ``a@b`` to
    ``mailto:a@b``."""
    if "://" not in text and "@" not in text:
        return False  # words (「詳しくはこちら」), or www.… that the URL gives its scheme
    text, url = unquote(text).casefold(), unquote(url).casefold()
    bare = url.removeprefix("mailto:").rstrip("/")
    return bare in text or text.rstrip("/") in url


def without_errors(row: tuple[Any, ...], errors: list[tuple[int, str]]) -> tuple[Any, ...]:
    """The row with its error cells empty."""
    return without_columns(row, {column for column, _ in errors})


def without_columns(row: tuple[Any, ...], columns: frozenset[int] | set[int]) -> tuple[Any, ...]:
    """The row with the cells of these (1-based) columns empty."""
    if not columns:
        return row
    return tuple(None if column in columns else v for column, v in enumerate(row, 1))


def row_at_or_after(xml: bytes, index: int) -> int:
    """The first row in the XML numbered ``index`` or more (openpyxl yields the empty rows of a
    gap only after it has read the row that follows them), else ``index``."""
    return next((row for row, _ in _rows(xml) if row >= index), index)
