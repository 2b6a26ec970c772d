"""Parse YAML into plain Python values, each mapping remembering its line in ``__line__``.

PyYAML's loader builds a node object per scalar and resolves each scalar's type in Python:
about 3 s for a 10,000-entry FAQ, even with libyaml. Admin files use a small part of YAML
(mappings, lists, strings, the odd number or boolean), so :func:`load` builds the values
straight from libyaml's parse events (0.4 s instead of 2.9 s for 10,000 entries) and hands
anything unusual (anchors, aliases, tags, merge keys, non-scalar keys, values it cannot build)
to the full loader, so every document reads as it always did. Deliberate differences from
PyYAML, in both paths, because admins write text and YAML 1.1 would quietly change it:
only plain decimal integers and ``true``/``false`` are typed, so ``0101``, ``16:30``, ``1.10``,
``yes`` and ``0x1F`` stay the text written (YAML 1.1 makes them 65, 990, 1.1, True and 31);
and a key written twice in one mapping is an error (:class:`DuplicateKey`) rather than the
last one silently winning — a second ``entries:`` block would drop every entry above it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any

import yaml

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"


class DuplicateKey(yaml.MarkedYAMLError):
    """A key written twice in one mapping (at the second one's line)."""

    def __init__(self, key: object, first_line: int, mark: yaml.Mark | None) -> None:
        super().__init__(problem=f"キー「{key}」が重複しています ({first_line} 行目と同じ)", problem_mark=mark)


class _LineLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that remembers the line of each mapping in ``__line__``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue  # merged keys may be overridden: that is what merging is for
            key = self.construct_object(key_node)
            if key in seen:
                raise DuplicateKey(key, seen[key], key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_BOOLEAN = {"true": True, "false": False}


def _int_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    """A plain decimal integer; any other YAML 1.1 integer stays the text written. In admin
    files ``0101`` is a code (所属コード, ID), not octal 65; ``16:30`` is a time, not the
    base-60 number 990; ``0x1F`` and ``1_000`` are text someone typed."""
    value = str(node.value)
    return int(value) if _DECIMAL.fullmatch(value) else value


def _bool_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool | str:
    """``true``/``false``; YAML 1.1's yes/no/on/off stay words (「質問: yes」 is a question)."""
    value = str(node.value)
    return _BOOLEAN.get(value.lower(), value)


def _text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """A float stays the text written: ``1.10`` is a section number, not 1.1."""
    return str(node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:int", _int_or_text)
_LineLoader.add_constructor("tag:yaml.org,2002:bool", _bool_or_text)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _text)


class _Unusual(Exception):
    """The document needs the full loader."""


_RESOLVER = yaml.SafeLoader("")  # the standard rules for plain scalars (numbers, booleans, null)
# First characters for which a plain scalar may be something other than a string.
_TYPED_START = frozenset(ch for ch in _RESOLVER.yaml_implicit_resolvers if ch is not None)


@lru_cache(maxsize=1024)
def _short_tag(value: str) -> str:
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))


def _tag(value: str) -> str:
    """The tag the standard rules give a plain scalar (short ones, such as keys, remembered)."""
    if len(value) > 32:
        return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    return _short_tag(value)


def _plain(value: str) -> Any:
    """A plain (unquoted) scalar as the standard loader would construct it.

    Anything the simple path cannot construct (a merge key, ``=``, an impossible date) goes
    to the full loader, which reports it as it always did.
    """
    if value and value[0] not in _TYPED_START:
        return value
    tag = _tag(value)
    if tag == _STR:
        return value
    construct = _LineLoader.yaml_constructors.get(tag)
    if construct is None or tag == "tag:yaml.org,2002:merge":
        raise _Unusual
    try:
        return construct(_RESOLVER, yaml.ScalarNode(tag, value))
    except (ValueError, yaml.YAMLError) as exc:
        raise _Unusual from exc


class _Open:
    """A mapping being built, its line, the key waiting for its value and each key's line."""

    __slots__ = ("key", "key_lines", "line", "mapping")

    def __init__(self, line: int, key: object) -> None:
        self.mapping: dict = {}
        self.line = line
        self.key = key
        self.key_lines: dict[object, int] = {}


def _from_events(text: str) -> Any:
    """Build the document from libyaml's events in one loop (no per-event function calls:
    this loop is most of the parse time of a large FAQ)."""
    loader = _BaseLoader(text)
    try:
        return _build(loader.get_event)
    finally:
        loader.dispose()


def _build(next_event: Any) -> Any:
    root: Any = None
    documents = 0
    stack: list[Any] = []  # the lists and mappings being built
    no_key = object()
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    )
    mapping_end, sequence_end, alias_event = (
        yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.AliasEvent
    )
    document_start, stream_end = yaml.DocumentStartEvent, yaml.StreamEndEvent
    typed_start = _TYPED_START | {""}
    while True:
        event = next_event()
        kind = type(event)
        mark = None
        if kind is scalar_event:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            value = event.value
            if event.implicit[0] and not event.style and value[:1] in typed_start:
                value = _plain(value)  # plain (libyaml's style is "", Python's None), maybe typed
            mark = event.start_mark
        elif kind is mapping_end:
            done = stack.pop()
            value = done.mapping
            value["__line__"] = done.line  # last, as the full loader does
        elif kind is sequence_end:
            value = stack.pop()
        elif kind is mapping_start or kind is sequence_start:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            stack.append(_Open(event.start_mark.line + 1, no_key) if kind is mapping_start else [])
            continue
        elif kind is alias_event:
            raise _Unusual
        elif kind is document_start:
            documents += 1
            if documents > 1:
                raise _Unusual  # several documents: the full loader says so
            continue
        elif kind is stream_end or event is None:
            return root
        else:
            continue  # stream start, document end
        if not stack:
            root = value
            continue
        top = stack[-1]
        if type(top) is list:
            top.append(value)
        elif top.key is no_key:
            if isinstance(value, (dict, list)):
                raise _Unusual
            if value in top.key_lines:
                raise DuplicateKey(value, top.key_lines[value], mark)
            top.key_lines[value] = mark.line + 1 if mark else 0
            top.key = value
        else:
            top.mapping[top.key] = value
            top.key = no_key


def load(text: str) -> Any:
    """Parse one YAML document; a syntax error raises :class:`yaml.MarkedYAMLError`."""
    return load_usual(text)[0]


def load_usual(text: str) -> tuple[Any, bool]:
    """:func:`load`, and whether the document was usual (built from the events: no anchors,
    aliases or tags)."""
    try:
        return _from_events(text), True
    except _Unusual:
        return yaml.load(text, Loader=_LineLoader), False


# Line breaks libyaml counts besides "\n" (a pasted U+2028): where a text has one, its line
# numbers and those of text.split("\n") disagree.
OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")

# Plain (unquoted) values that YAML reads otherwise than an admin meant: " #" starts a comment,
# and a value continued on the next lines is joined into one line.
_COMMENT_CUT = re.compile(  # one space before the #: two or more set off a comment meant as one
    r"^[ \t]*(?:- +)?[^\s#'\"\-][^:#\n]*:[ \t]+([^\s'\"|>&*!{\[#][^#\n]*?[^\s])[ \t]#(\S[^\n]*)$", re.MULTILINE
)
_BLOCK_START = re.compile(r"(?:^|[:\-]\s+)[|>][-+0-9]*\s*(?:#.*)?$")
# after a key: a plain value (not | > quotes, an anchor or a flow collection), or none
_PLAIN_VALUE = r"[ \t]*:(?:[ \t]+([^\s|>'\"&*!{\[#][^\n]*))?[ \t]*(?=\n|$)"
_ITEM_LEAD = re.compile(r" *- +")
_ITEM_PREFIX = re.compile(r"(?:- +)+")
_KEY_OR_ITEM = re.compile(r"(?:- |-$|[^\s#'\"][^:#]*:(?:\s|$)|#)")


def plain_surprises(text: str, line_keys: Collection[str]) -> list[tuple[int, str]]:
    """Lines where a plain value loses text to a ``#`` (``代表は #1000``), and values of
    ``line_keys`` (where line breaks matter, such as an answer) written over several lines
    without ``|``, which YAML joins into one; as (line, message). Literal searches find the
    few places to look at; only then is the text walked once for its block scalars."""
    hashes = sorted({text.rfind("\n", 0, at) + 1 for at in _hashes(text)})
    candidates = sorted(
        (m.start(), key, (m.group(1) or "").strip())
        for key in line_keys
        for m in re.finditer(re.escape(key) + _PLAIN_VALUE, text)
    )
    if not hashes and not candidates:
        return []
    in_block = _block_lines(text.split("\n"))
    counter = _LineCounter(text)
    found: list[tuple[int, str]] = []
    for start in hashes:
        number = counter.line(start)
        m = _COMMENT_CUT.match(text, start)
        if m and not in_block[number - 1]:
            found.append((number, f"「#{m.group(2)}」は YAML ではコメントとして読み飛ばされます。"
                                  "# を含む値は全体を \"…\" で囲んでください"))
    counter = _LineCounter(text)
    for at, key, value in candidates:
        start = text.rfind("\n", 0, at) + 1
        lead = text[start:at]
        if lead.strip(" ") and not _ITEM_LEAD.fullmatch(lead):
            continue  # the word inside a value, not a key
        number = counter.line(start)
        if not in_block[number - 1] and _continued(text, text.find("\n", at), len(lead), 1 if value else 2):
            found.append((number, f"{key} の値が複数行に書かれていますが、YAML では 1 行につながって読まれます。"
                                  f"改行を残すには「{key}: |」と書き、次の行から字下げしてください"))
    return sorted(found)


# Mistakes seen in the line itself, said more exactly than libyaml's complaint about them:
# (pattern, hint, where the line must start to be taken for what the pattern says: "" anywhere,
# "-" at the column of the list items above, "key" at the column of the keys above)
_KEY = r"^[ \u3000]*(?:- +)?[A-Za-z_\u3040-\u30ff\u4e00-\u9fff][\w\u3040-\u30ff\u4e00-\u9fff]*"
_WIDE_COLON = "「キー: 値」の「：」が全角です。半角の「:」にしてください"
_NO_SPACE = "「:」の後に半角スペースがありません (「question: 質問」のように書きます)"
_LINE_MISTAKES = tuple((re.compile(pattern), hint, place) for pattern, hint, place in (
    (r"^ *\u3000", "字下げに全角スペースが入っています。字下げは半角スペースにしてください", ""),
    (r"^ *-[^\s-]", "「-」の後に半角スペースがありません (「- id: …」のように書きます)", "-"),
    (_KEY + r"[ \u3000]*：", _WIDE_COLON, "key"),
    (_KEY + r":(?![ \t]|$)", _NO_SPACE, "key"),
    (_KEY + r":[ \t]+[@`]", "値が @ や ` で始まるときは、値全体を \"…\" で囲んでください", "key"),
    (_KEY + r":[ \t]+(\"[^\"]*\"|'[^']*')[ \t]*[^\s#]",
     "引用符で始まる値の途中で引用符が閉じています。値全体を '…' で囲むか、中の引用符を「」にしてください", "key"),
))
_ITEM_LINE = re.compile(r"^( *)- ")
_KEY_LINE = re.compile(r"^( *)((?:- +)?)[^\s#'\"\-][^:#]*:(?:[ \t]|$)")


def line_mistake(text: str, line: int) -> tuple[int, str] | None:
    """A mistake of :data:`_LINE_MISTAKES` on ``line`` (1-based, where libyaml reported a
    syntax error) or, failing that, on the non-blank line above (libyaml often notices a
    key's mistake a line late), as (line, hint in Japanese). None for a line meant as block
    text (the indentation is the mistake there), and when the text breaks lines where "\\n"
    does not (libyaml's line numbers would not be ours)."""
    if any(mark in text for mark in OTHER_BREAKS):
        return None
    lines = text.split("\n")
    above = next((i for i in range(line - 2, -1, -1) if i < len(lines) and lines[i].strip()), None)
    inside = _block_lines(lines)
    for index in (line - 1, above):
        if index is None or index >= len(lines) or _meant_as_block_text(lines, index, inside):
            continue
        said = lines[index]
        for pattern, hint, place in _LINE_MISTAKES:
            if pattern.search(said) and _in_place(lines, index, place, inside):
                key = _empty_key_above(lines, index, inside) if hint in (_WIDE_COLON, _NO_SPACE) else None
                return index + 1, hint if key is None else hint + _MAYBE_VALUE.format(key=key)
    return None


# A line with no proper key under a key with no value may be that key's value (a key used
# elsewhere in the file is taken for a key)
_MAYBE_VALUE = "。この行が上の「{key}:」の値なら、キーより深く字下げしてください"
_EMPTY_KEY = re.compile(r"^ *(?:- +)?([^\s#'\"\-][^:#]*):[ \t]*(?:#.*)?$")


def _empty_key_above(lines: list[str], index: int, inside: list[bool]) -> str | None:
    """The key on the line above ``lines[index]``, if it has no value and starts in the same
    column (``answer:`` then ``受付時間:9時``: the line is more likely the answer than a key)."""
    above = next((lines[i] for i in range(index - 1, -1, -1)
                  if lines[i].strip() and not lines[i].lstrip(" ").startswith("#")), None)
    empty = _EMPTY_KEY.match(above) if above is not None else None
    said = lines[index]
    if empty is None or len(said) - len(said.lstrip(" ")) != empty.start(1):
        return None
    own = re.match(r" *(?:- +)?([^:：\s]+)", said)
    used = re.compile(rf" *(?:- +)?{re.escape(own.group(1))}[ \t]*:(?:[ \t]|$)") if own else None
    if used and any(not inside[i] and used.match(line) for i, line in enumerate(lines)):
        return None  # 「answer:回答」 where other entries have 「answer: …」 (not in block text): a key
    return empty.group(1).strip()


def _in_place(lines: list[str], index: int, place: str, inside: list[bool]) -> bool:
    """Whether ``lines[index]`` starts where a list item (``-``) or a key (``key``) can: the
    first line above at its column or left of it is an item or key in line with it, or the
    key it belongs under. A line indented otherwise was more likely meant as a value's text."""
    if not place:
        return True
    said = lines[index]
    column = len(said) - len(said.lstrip(" "))
    for i in range(index - 1, -1, -1):
        line = lines[i]
        start = len(line) - len(line.lstrip(" "))
        if not line.strip() or line.lstrip(" ").startswith("#") or start > column:
            continue
        if _meant_as_block_text(lines, i, inside) and not _KEY_LINE.match(line):
            continue  # a value's text
        item = _ITEM_LINE.match(line)
        if start == column:  # an item beside an item, a key beside a key
            return bool(item) == (place == "-" or said.lstrip(" ").startswith("- "))
        if item:  # an item's first key, left of us: in line with its own key
            return place == "key" and not said.lstrip(" ").startswith("- ") and \
                column == start + len(line[start:]) - len(line[start:].lstrip("- "))
        return bool(_KEY_LINE.match(line)) and line.rstrip().endswith(":")  # the key we are under
    return True


def _meant_as_block_text(lines: list[str], index: int, inside: list[bool]) -> bool:
    """Whether ``lines[index]`` follows block text (or the line opening it, ``answer: |``) and
    is indented at least as far as that block's key: a line there that does not parse was
    most likely meant as more of that text, indented too little. ``inside`` is
    :func:`_block_lines` of ``lines``."""
    above = next((i for i in range(index - 1, -1, -1) if lines[i].strip()), None)
    if above is None:
        return False
    opening = next((i for i in range(above, -1, -1) if not inside[i] and lines[i].strip()), None)
    if opening is None or not _BLOCK_START.search(lines[opening].lstrip(" ").rstrip()):
        return False
    key_line = lines[opening]
    content = key_line.lstrip(" ")
    item = _ITEM_PREFIX.match(content)
    column = len(key_line) - len(content) + (len(item.group(0)) if item and ":" in content else 0)
    line = lines[index]
    return len(line) - len(line.lstrip(" ")) >= column


def _block_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it is the text of a block scalar (``answer: |``): after a line
    ending in ``|`` or ``>``, every line indented deeper than that line's key (or blank)."""
    inside = [False] * len(lines)
    parent = -1  # the indentation of the key whose block is open; -1: none
    for i, line in enumerate(lines):
        content = line.lstrip(" ")
        indent = len(line) - len(content)
        if parent >= 0:
            if not content.strip() or indent > parent:
                inside[i] = True
                continue
            parent = -1
        if not content.startswith("#") and _BLOCK_START.search(content.rstrip()):
            item = _ITEM_PREFIX.match(content)
            parent = indent + (len(item.group(0)) if item and ":" in content else 0)
    return inside


def _continued(text: str, end: int, indent: int, wanted: int) -> bool:
    """Whether ``wanted`` lines after the line ending at ``end`` continue its plain value
    (indented deeper than ``indent``, and neither a key nor a list item nor a comment)."""
    more = 0
    while end >= 0 and more < wanted:
        start = end + 1
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        content = line.strip()
        if not content:
            continue
        if len(line) - len(line.lstrip(" ")) <= indent or _KEY_OR_ITEM.match(content):
            return False
        more += 1
    return more >= wanted


def _hashes(text: str) -> list[int]:
    """Offsets of each # after a space or tab and before a non-space (a comment in a plain value)."""
    found = []
    for sign in (" #", "\t#"):
        at = text.find(sign)
        while at >= 0:
            after = text[at + 2 : at + 3]
            if after and not after.isspace():
                found.append(at)
            at = text.find(sign, at + 2)
    return found


class _LineCounter:
    """Line numbers of increasing offsets in a text, counted once."""

    def __init__(self, text: str) -> None:
        self._text, self._offset, self._line = text, 0, 1

    def line(self, offset: int) -> int:
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line
