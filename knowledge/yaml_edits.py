"""Parse an edited YAML file again by parsing only the list items whose lines changed.

Parsing is the largest part of reloading a big YAML FAQ (about 0.4 s for 10,000 entries),
and an admin's save usually changes one or two entries. :func:`load` remembers the last
parse of each large file (by its path): the lines the new text shares with the old one at
the start and at the end keep the items they held, and only the lines between, widened to
whole items, are parsed, as a list of their own. The result is the same as parsing the
whole text, ``__line__`` included (``tests/test_yaml_edits.py`` compares the two over many
random edits). Whenever that cannot be shown from the text itself (an edit before the
first item or after the last, a line indented less than the items or at their level but
not an item, anchors, a region that does not parse on its own), the whole text is parsed.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import yaml

from knowledge import yaml_lines

REMEMBER_CHARS = 100_000  # smaller files parse in a few milliseconds: nothing to remember
_FILES = 4  # files remembered (about 25 MB for one of 10,000 entries: its text and values)


@dataclass(frozen=True, slots=True)
class _Parse:
    """A parsed text and where its items are: the list at the root (``key`` None) or under
    ``key`` of the root mapping, each item's first line (0-based) and the items' column."""

    text: str
    doc: Any
    key: object | None
    starts: list[int]
    column: int


_LAST: OrderedDict[str, _Parse] = OrderedDict()
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def forget() -> None:
    """Forget every remembered parse (benchmarks time parsing from scratch)."""
    with _LOCK:
        _LAST.clear()


def load(text: str, name: str) -> Any:
    """:func:`yaml_lines.load` of ``text``, the file ``name``'s new contents; the items that
    did not change since the last call for ``name`` are taken from that parse.

    The values are shared with later results (unchanged items are reused): read them, copy
    them, but do not change them.
    """
    with _LOCK:
        last = _LAST.get(name)
    lines = text.split("\n")
    # counted by "\n" alone, line numbers would disagree with libyaml's
    plain = not any(mark in text for mark in yaml_lines.OTHER_BREAKS)
    doc = usual = None
    try:
        doc = _spliced(last, lines) if last is not None and plain else None
    except Exception:  # a mistake here must cost only time: the whole text is parsed
        log.exception("%s: 変更箇所だけの読み直しに失敗しました。全体を読み直します", name)
    if doc is None:
        doc, usual = yaml_lines.load_usual(text)
    # anchors may tie items together: then no item can be parsed alone
    parse = _parse(text, lines, doc) if usual is not False and plain and len(text) >= REMEMBER_CHARS else None
    with _LOCK:
        if parse is None:
            _LAST.pop(name, None)
        else:
            _LAST[name] = parse
            _LAST.move_to_end(name)
            while len(_LAST) > _FILES:
                _LAST.popitem(last=False)
    return doc


def _parse(text: str, lines: list[str], doc: Any) -> _Parse | None:
    """Where the items of ``doc`` are, if each starts on its own line with ``- `` in one column."""
    key: object | None = None
    items = doc
    if isinstance(doc, dict):
        lists = [k for k, v in doc.items() if isinstance(v, list) and v and all(type(i) is dict for i in v)]
        if len(lists) != 1:
            return None
        key = lists[0]
        items = doc[key]
    if not isinstance(items, list) or not items or not all(type(i) is dict for i in items):
        return None
    starts = [item["__line__"] - 1 for item in items]
    first = lines[starts[0]]
    column = len(first) - len(first.lstrip(" "))
    if not all(_item_line(lines[s], column) for s in starts):
        return None
    return _Parse(text, doc, key, starts, column)


def _item_line(line: str, column: int) -> bool:
    """Whether the line starts a list item at ``column``: spaces, then ``- ``."""
    return line[column : column + 2] == "- " and not line[:column].strip(" ") and len(line) > column + 2


def _spliced(last: _Parse, lines: list[str]) -> Any:
    """The new document made from ``last`` and the changed items, or None to parse it all."""
    old = last.text.split("\n")  # kept as one string: a list of lines would double the memory
    shortest = min(len(old), len(lines))
    same_start = next((i for i, (a, b) in enumerate(zip(old, lines, strict=False)) if a != b), shortest)
    room = shortest - same_start  # the unchanged end cannot overlap the unchanged start
    same_end = next(
        (i for i, (a, b) in enumerate(zip(reversed(old), reversed(lines), strict=False)) if i == room or a != b),
        room,
    )
    starts = last.starts
    if same_start < starts[0]:
        return None  # before the first item
    # From the item holding the line before the change (a line added at the end of an item
    # belongs to it) to the first item that starts in the unchanged end.
    first = bisect_right(starts, max(same_start - 1, starts[0])) - 1
    after = bisect_left(starts, len(old) - same_end)
    if after - first > len(starts) // 2:
        return None  # most items changed: parsing the whole text costs no more
    if after == len(starts) and last.key is not None and _last_key(last.doc) != last.key:
        return None  # the change reaches the keys after the items
    shift = len(lines) - len(old)
    begin = starts[first]
    end = starts[after] + shift if after < len(starts) else len(lines)
    region = lines[begin:end]
    if not _only_items(region, last.column):
        return None
    try:
        # the line break before the next item ends the region's last line (and block text)
        parsed, usual = yaml_lines.load_usual("\n".join(region) + ("\n" if end < len(lines) else ""))
    except (yaml.YAMLError, ValueError):  # the whole text is parsed, and reports it
        return None
    if not usual or not (parsed is None or isinstance(parsed, list)):
        return None
    new = [_moved(item, begin) for item in parsed or ()]
    if not all(type(i) is dict and _item_line(lines[i["__line__"] - 1], last.column) for i in new):
        return None
    old_items = last.doc if last.key is None else last.doc[last.key]
    items = [*old_items[:first], *new, *(_moved(i, shift) for i in old_items[after:])]
    if last.key is None:
        return items
    doc, after_items = {}, False
    for key, value in last.doc.items():  # what follows the items moves with them
        doc[key] = items if key == last.key else _moved(value, shift) if after_items and key != "__line__" else value
        after_items = after_items or key == last.key
    return doc


def _last_key(mapping: dict) -> object:
    return next((k for k in reversed(mapping) if k != "__line__"), None)


def _only_items(region: list[str], column: int) -> bool:
    """Whether the lines are list items at ``column`` and what is inside them: none is
    indented less, and those at the column start an item (or are comments)."""
    if region and not _item_line(region[0], column):
        return False
    for line in region:
        content = line.lstrip(" ")
        indent = len(line) - len(content)
        if not content or indent > column:
            continue
        if indent < column or not (content.startswith("#") or _item_line(line, column)):
            return False
    return True


def _moved(value: Any, lines: int) -> Any:
    """A parsed value with every ``__line__`` in it moved down by ``lines`` (copied if so)."""
    if not lines:
        return value
    if type(value) is dict:
        moved = {k: _moved(v, lines) for k, v in value.items()}
        moved["__line__"] = value["__line__"] + lines
        return moved
    if type(value) is list:
        return [_moved(v, lines) for v in value]
    return value
