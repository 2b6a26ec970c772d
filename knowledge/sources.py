"""Read admin-maintained tables (YAML, CSV, XLSX) into records that know where they came from.

Every record carries a :class:`Location` (file and line, or sheet and row) so that a
validation error can point an admin at the exact place to fix. Column headers may be
Japanese; each loader passes an alias table that maps them to canonical keys.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge import sheet_xml, yaml_edits, yaml_lines

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (".yaml", ".yml", ".csv", *EXCEL_SUFFIXES)
# Spreadsheets the bot cannot read: left in a data folder, they are reported, not ignored.
_OTHER_SHEETS = {".xls": "Excel ブック (.xlsx)", ".ods": "Excel ブック (.xlsx)",
                 ".numbers": "Excel ブック (.xlsx)", ".tsv": "CSV (.csv)"}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record sits: ``faq.csv:12`` or ``faq.xlsx [FAQ] 12行目``."""

    file: str
    line: int | None = None
    sheet: str | None = None

    def __str__(self) -> str:
        if self.sheet is not None:
            return f"{self.file} [シート {self.sheet}] {self.line}行目"
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return self.file


class DataFileError(Exception):
    """A problem in an admin data file, with its location."""

    def __init__(self, location: Location | str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


@dataclass(slots=True, eq=False)
class Record:
    """One row or YAML mapping with canonical keys (compared and hashed by identity)."""

    data: dict[str, Any]
    location: Location
    extra: dict[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # key -> its header as written

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


_NOTE = re.compile(r"\([^()]*\)$")  # 回答(本文), 質問(必須): a note after the name
_MARKS = re.compile(r"[\s_\-・.:*※]+")  # spaces, separators and "required" marks


def _header_form(header: object, *, loose: bool) -> str:
    """A header as compared with the aliases: width, case and separators ignored (``ＩＤ``,
    ``FAQ_ID``, ``Q.``, ``質問*``); ``loose`` also drops a final note in brackets
    (``回答（本文）``) and an English plural (``Questions``)."""
    text = unicodedata.normalize("NFKC", str(header).replace("\ufeff", "")).strip().casefold()
    if loose:
        text = _NOTE.sub("", text).strip()
    form = _MARKS.sub("", text)
    if loose and len(form) > 3 and form.endswith("s"):
        form = form[:-1]
    return form


def canonical_key(header: object, aliases: Mapping[str, str], *, loose: bool = False) -> str:
    """Map a header (``質問``, ``Question``, `` id ``) to its canonical key; an unknown one
    comes back as written (lower case)."""
    form = _header_form(header, loose=loose)
    for name, canon in aliases.items():
        if _header_form(name, loose=False) == form:
            return canon
    return str(header).strip().replace("\ufeff", "").lower()


def header_keys(headers: Sequence[object], aliases: Mapping[str, str]) -> list[str]:
    """The canonical keys of one header row (``""`` for an empty cell).

    A header with a note or a plural (``質問(英語)``, ``Answers``) takes its field only if no
    other column has it: beside ``質問``, ``質問(英語)`` stays an unknown column (and is
    reported as one) rather than overwrite the questions.
    """
    keys = [canonical_key(h, aliases) if h is not None and str(h).strip() else "" for h in headers]
    fields = set(aliases.values())
    taken = set(keys)
    for i, header in enumerate(headers):
        if keys[i] and keys[i] not in fields:
            key = canonical_key(header, aliases, loose=True)
            if key in fields and key not in taken:
                keys[i] = key
                taken.add(key)
    return keys


_COPY_NUMBER = re.compile(r"#[0-9]+$")  # how check_unique tells a repeated column's copies apart


def as_written(keys: Sequence[str], headers: Sequence[object]) -> dict[str, str]:
    """Each key's header as the admin wrote it (for messages: 「Owner」, not 「owner」)."""
    return {k: str(h).replace("\ufeff", "").strip() for k, h in zip(keys, headers, strict=False)
            if k and h is not None}


def check_unique(keys: Sequence[str], headers: Sequence[object], aliases: Mapping[str, str],
                 where: Location, repeated: Collection[str] = ()) -> list[str]:
    """The keys, each field once: two columns for one field (``質問`` twice, or ``question``
    and ``質問``) are an error, as one would silently overwrite the other. A field in
    ``repeated`` (a dictionary's 言い換え) may fill several columns: the second is read as
    ``key#2``, and so on; where some fields may, so may unknown columns (the copies of a
    「言い換え（複数可）」 merged over three columns, two 「メモ」), which the caller tells apart."""
    fields = set(aliases.values())
    first: dict[str, object] = {}
    unique = list(keys)
    for i, (key, header) in enumerate(zip(keys, headers, strict=False)):
        if not key:
            continue
        if key in first and (key in repeated or (repeated and key not in fields)):
            unique[i] = f"{key}#{keys[:i].count(key) + 1}"
        elif key in first and key in fields:
            raise DataFileError(
                where, f"見出し「{first[key]}」と「{header}」は同じ項目です。どちらか 1 列にしてください"
            )
        first.setdefault(key, header)
    return unique


# ---------------------------------------------------------------- YAML


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; syntax errors become :class:`DataFileError` with the line."""
    return _parse_yaml(_yaml_text(path), path)


def _yaml_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(Location(path.name), "文字コードが UTF-8 ではありません。UTF-8 で保存し直してください "
                            "(メモ帳なら「名前を付けて保存」の「エンコード」で UTF-8 を選びます)") from exc


def _parse_yaml(text: str, path: Path, *, edited: bool = False) -> Any:
    """``edited``: the file is read again and again as it is edited (see :mod:`yaml_edits`)."""
    try:
        return yaml_edits.load(text, os.path.abspath(path)) if edited else yaml_lines.load(text)
    except yaml.MarkedYAMLError as exc:
        # something left open (a quote, a bracket, a key without its 「:」) is reported where
        # the parser gave up, often the end of the file: the admin's mistake is where it opened
        opened = exc.context in _LEFT_OPEN and exc.context_mark is not None
        mark = exc.context_mark if opened else exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        hinted = yaml_lines.line_mistake(text, line) if line else None
        if hinted is not None:
            line, hint = hinted
        problem = f"{hint} ({exc.problem})" if hinted else yaml_problem(exc.problem)
        raise DataFileError(Location(path.name, line), f"YAML の書式エラー: {problem}") from exc
    except (ValueError, yaml.YAMLError) as exc:  # a value PyYAML cannot build, e.g. 2026-02-30
        raise DataFileError(Location(path.name), f"YAML の値が読めません: {exc}") from exc


_LEFT_OPEN = frozenset((
    "while scanning a quoted scalar", "while scanning a simple key", "while parsing a flow sequence",
    "while parsing a flow mapping",
))


# libyaml's commonest complaints, said as an admin would understand them (original kept after)
_YAML_PROBLEMS = (
    ("cannot start any token", "使えない文字があります (字下げにタブ文字を使っていませんか。字下げは半角スペースで)"),
    ("tab character", "タブ文字は使えません。字下げは半角スペースにしてください"),
    ("mapping values are not allowed",
     "「:」の位置が正しくないか、字下げがずれています (値に「: 」を含むときは値を \"…\" で囲んでください)"),
    ("did not find expected ',' or ']'", "[ ] の括弧が閉じられていません"),
    ("did not find expected ',' or '}'", "{ } の括弧が閉じられていません"),
    ("node content", "値が途中で終わっています (括弧や引用符が閉じられていないか、値が抜けています)"),
    ("could not find expected ':'",
     "「キー: 値」の「:」が見つかりません (複数行の値なら「answer: |」の次の行から、キーより深く字下げしてください)"),
    ("did not find expected key", "字下げがずれています (キーの位置を上の行とそろえてください)"),
    ("did not find expected '-' indicator", "字下げがずれています (「- 」やキーの位置を上の行とそろえてください)"),
    ("found unexpected end of stream", "引用符や括弧が閉じられていません"),
    ("found undefined alias", "定義されていない別名 (*名前) があります"),
    ("found unknown escape character",
     "\"…\" の中の「\\」の使い方が正しくありません (\\ を含む値は '…' で囲んでください。\" で始めた値が閉じていないこともあります)"),
    ("did not find expected alphabetic or numeric character",
     "* や & で始まる値は YAML の記号として読まれます。値全体を \"…\" で囲んでください"),
)


def yaml_problem(problem: str | None) -> str:
    """A YAML parser's problem in Japanese where it is a common one."""
    text = problem or ""
    for english, japanese in _YAML_PROBLEMS:
        if english in text:
            return f"{japanese} ({text})"
    return text


def strip_lines(value: Any) -> Any:
    """Remove the ``__line__`` bookkeeping from parsed YAML."""
    if type(value) is str:  # most values: no containers to walk
        return value
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


def _list_of_mappings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


# The records made from one YAML file's items, by item: what :func:`read_records` left in a
# ``memo`` (the item is kept with its record, so that its id cannot be taken by another).
RecordMemo = dict[int, tuple[dict, Record]]


def _yaml_records(
    path: Path,
    list_keys: Iterable[str],
    aliases: Mapping[str, str],
    notes: list[str] | None = None,
    memo: RecordMemo | None = None,
) -> list[Record]:
    text = _yaml_text(path)
    doc = _parse_yaml(text, path, edited=True)
    if notes is not None:  # where line breaks matter: answers
        answer_keys = {name for name, key in aliases.items() if key == "answer"}
        notes += [f"{path.name}:{line}: {message}"
                  for line, message in yaml_lines.plain_surprises(text, answer_keys)]
    if doc is None:
        return []
    items: Any = doc
    if isinstance(doc, dict):
        key = next((k for k in list_keys if k in doc), None)
        # else the one list of mappings under another key (faqs:, questions:), not a field's
        # (the links: of a single entry written without a list)
        fields = set(aliases.values())
        lists = [
            v
            for k, v in doc.items()
            if k != "__line__" and _list_of_mappings(v) and canonical_key(k, aliases) not in fields
        ]
        if key is None and len(lists) != 1:
            raise DataFileError(
                Location(path.name, doc.get("__line__")),
                f"一覧のキー ({', '.join(list_keys)}) が見つかりません",
            )
        items = doc[key] if key is not None else lists[0]
        if notes is not None:
            notes += _outside_the_list(text, path, doc, items, aliases)
    if not isinstance(items, list):
        raise DataFileError(Location(path.name), "項目の一覧 (- で始まるリスト) にしてください")
    records = []
    made: RecordMemo = {}
    for item in items:
        if not isinstance(item, dict):
            raise DataFileError(Location(path.name), "各項目は「キー: 値」の形にしてください")
        last = memo.get(id(item)) if memo else None
        # yaml_edits hands back the very item when its lines did not change (moved ones are copies)
        record = last[1] if last is not None and last[0] is item else yaml_record(
            item, aliases, Location(path.name, item.get("__line__"))
        )
        made[id(item)] = item, record
        records.append(record)
    if memo is not None:
        memo.clear()
        memo.update(made)
    return records


def _outside_the_list(text: str, path: Path, doc: dict, items: Any, aliases: Mapping[str, str]) -> list[str]:
    """Warnings for a field written beside the list instead of in an item (a key indented
    with full-width spaces, or not at all, lands there and would be dropped unsaid)."""
    fields = set(aliases.values())
    found = []
    for name, value in doc.items():
        if name == "__line__" or value is items or canonical_key(name, aliases) not in fields:
            continue
        at = re.search(rf"^[ \u3000]*{re.escape(str(name).strip())}[ \u3000]*:", text, re.MULTILINE)
        line = text.count("\n", 0, at.start()) + 1 if at else None
        found.append(f"{Location(path.name, line)}: 「{str(name).strip()}」が一覧の項目の外に書かれているため読みません "
                     "(項目のほかのキーと同じ位置まで、半角スペースで字下げしてください)")
    return found


# entries mostly share one set of keys: their keys and the keys' names as written
_KEYED: dict[tuple[int, tuple[Any, ...]], tuple[list[str], dict[str, str]]] = {}


def yaml_record(
    item: dict, aliases: Mapping[str, str], location: Location, *, strip: bool = True
) -> Record:
    """One parsed YAML mapping as a record (its keys mapped as one header row); ``strip=False``
    keeps the ``__line__`` of nested mappings (for a caller that reads them itself)."""
    names = tuple(k for k in item if k != "__line__")
    cache_key = (id(aliases), names)
    known = _KEYED.get(cache_key)
    if known is None:
        keys = header_keys(names, aliases)
        check_unique(keys, names, aliases, location)
        if len(_KEYED) > 10_000:
            _KEYED.clear()
        known = _KEYED[cache_key] = keys, as_written(keys, names)
    keys, written = known
    value = strip_lines if strip else (lambda v: v)
    return Record({key: value(item[name]) for name, key in zip(names, keys, strict=True)}, location,
                  headers=written)


# ---------------------------------------------------------------- CSV


def decode_csv_bytes(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) first, then Shift_JIS/CP932 as Japanese Excel writes it;
    UTF-16 when it starts with its BOM (Excel's 「Unicode テキスト」)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataFileError(Location(name), "文字コードを判別できません (UTF-8 か Shift_JIS で保存してください)")


def _delimiter(text: str) -> str:
    """A tab when the first line has tabs and no commas (Excel's 「テキスト (タブ区切り)」)."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    return "\t" if "\t" in first and "," not in first else ","


# A title, instructions or group labels (「基本情報」 over two columns) often sit above the
# header row. With required columns given, the header is the first row within this many that
# has them all (see _header_keys).
HEADER_SEARCH_ROWS = 30


def _filled(row: Sequence[Any]) -> int:
    return sum(1 for cell in row if cell is not None and str(cell).strip())


def _header_keys(
    rows: Iterable[Sequence[Any]], aliases: Mapping[str, str], required: set[str]
) -> tuple[int, list[str], Sequence[Any]] | None:
    """The header row's 1-based number, canonical keys and cells (None if not found)."""
    fields = set(aliases.values())
    after_data = False  # a row of several cells came before: data, or labels over the header
    for number, row in enumerate(rows, start=1):
        keys = header_keys(row, aliases)
        # below such a row, only a row naming two or more columns is a header (a query 「質問」
        # in a one-column table is data)
        if required <= set(keys) and (not after_data or len(fields.intersection(keys)) >= 2):
            return number, keys, row
        if number >= HEADER_SEARCH_ROWS:
            break
        after_data = after_data or _filled(row) > 1
    return None


_EXAMPLE_SHEET = re.compile(
    r"[(（【]?(?:記入例|入力例|記載例|例|サンプル|見本|テンプレート|ひな形|example|sample|template)s?[)）】]?\d*",
    re.IGNORECASE)  # the whole name: 「活用事例」「条例」 are real sheets


_NOTES_SHEET = re.compile(
    r"(?:変更|更新|改訂|修正|改版)?履歴|変更点|更新情報|説明|使い方|操作説明|記入要領|記入方法|入力方法|注意事項"
    r"|メモ|備考|目次|表紙|readme|history|change ?log|notes?",
    re.IGNORECASE)  # the whole name, like _EXAMPLE_SHEET


def _broken_header(
    file: str, sheet: str | None, head: Sequence[tuple[int, Sequence[Any]]],
    aliases: Mapping[str, str], required: set[str], enough: int = 2,
) -> tuple[Location, str] | None:
    """Where a sheet or CSV without the required headers names ``enough`` known columns, and
    the names of the missing ones: the table with a header mistyped or missing (a sheet
    naming fewer is notes; a CSV file is always meant as the table, so one is enough)."""
    fields = set(aliases.values())
    best = max(((n, set(header_keys(row, aliases)) & fields) for n, row in head),
               key=lambda found: len(found[1]), default=(0, set()))
    number, known = best
    if len(known) < enough:
        return None
    return Location(file, number, sheet), _labels(required - known, aliases)


def _missing(names: str, more: str = "") -> str:
    return f"見出しに {names} の列がありません (見出しの誤字や抜けを確認してください{more})"


def _no_header(aliases: Mapping[str, str], required: set[str]) -> str:
    names = _labels(required, aliases)
    return f"見出し行 ({names}) が見つかりません (先頭 {HEADER_SEARCH_ROWS} 行を探しました)"


def _labels(keys: Iterable[str], aliases: Mapping[str, str]) -> str:
    """Columns named for an admin in the order the aliases list them: 「ID・質問・回答」."""
    order = {key: i for i, key in enumerate(dict.fromkeys(aliases.values()))}
    return "・".join(_label(k, aliases) for k in sorted(keys, key=lambda k: (order.get(k, len(order)), k)))


def _label(key: str, aliases: Mapping[str, str]) -> str:
    """How to name a column to an admin: its Japanese header (「回答」 for answer, 「研修ID」),
    or 「ID」 where no Japanese name of the id says ID (「日程ID」, but not 「番号」)."""
    names = [a for a, k in aliases.items() if k == key and not a.isascii()]
    if key == "id":
        names = [a for a in names if a.endswith("id")]
    if not names:
        return "ID" if key == "id" else key
    return names[0].removesuffix("id") + "ID" if names[0].endswith("id") else names[0]


def _csv_records(
    path: Path, aliases: Mapping[str, str], required: Iterable[str] = (), notes: list[str] | None = None,
    repeated: Collection[str] = (),
) -> list[Record]:
    text = decode_csv_bytes(path.read_bytes(), path.name)
    delimiter = _delimiter(text)
    # strict: a quote left open is an error, not the rest of the file swallowed into one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    head: list[tuple[int, list[str]]] = []  # the first rows, with the line each starts on
    start = 1  # the line the next row starts on
    try:
        for row in reader:
            head.append((start, row))
            start = reader.line_num + 1
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        if not head:
            return []
        found = _header_keys((row for _, row in head), aliases, set(required))
        if found is None and required:
            problem = _broken_header(path.name, None, head, aliases, set(required), enough=1)
            if problem is None:
                raise DataFileError(Location(path.name), _no_header(aliases, set(required)))
            raise DataFileError(problem[0], _missing(problem[1]))
        header_row, keys, headers = found or (1, header_keys(head[0][1], aliases), head[0][1])
        keys = check_unique(keys, headers, aliases, Location(path.name, head[header_row - 1][0]), repeated)
        written = as_written(keys, headers)
        records, guides = [], []
        for line, row in itertools.chain(head[header_row:], _numbered(reader)):
            if _guide_row(row):
                guides.append(line)
            else:
                records.append(_csv_record(path, keys, written, line, row, delimiter))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataFileError(Location(path.name, start), f"CSV の書式エラー: {_csv_problem(str(exc))}") from exc
    if guides and notes is not None:
        notes.append(f"{path.name}: {_GUIDE_NOTE.format(some(guides))}")
    return [r for r in records if r is not None]


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """The reader's rows with the line each starts on."""
    start = reader.line_num + 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def _csv_problem(problem: str) -> str:
    """Python's csv error in words an admin can act on."""
    if "field larger than field limit" in problem:
        return f"セルが長すぎます ({csv.field_size_limit():,} 文字まで)"
    if "unexpected end of data" in problem:
        return "引用符 (\") が閉じられていません。この行から始まる値の \" を確かめてください"
    if "expected after" in problem:
        return "引用符 (\") で囲んだ値のあとに文字があります。値の中の \" は \"\" と 2 つ重ねてください"
    return problem


def _csv_record(
    path: Path, keys: list[str], written: dict[str, str], line: int, row: list[str], delimiter: str
) -> Record | None:
    """One data row (None for a blank one)."""
    if not any(cell.strip() for cell in row):
        return None
    if len(row) > len(keys) and any(c.strip() for c in row[len(keys):]):
        hint = " (値にカンマを含むときは、値全体を \"…\" で囲んでください)" if delimiter == "," else ""
        raise DataFileError(Location(path.name, line), f"見出しより列が多い行です{hint}")
    return Record({k: v for k, v in zip(keys, row, strict=False) if k}, Location(path.name, line), headers=written)


# ---------------------------------------------------------------- XLSX


def _xlsx_records(
    path: Path, aliases: Mapping[str, str], required: Iterable[str], notes: list[str] | None = None,
    *, as_shown: bool = False, link_keys: Collection[str] = (), repeated: Collection[str] = (),
    sheets: Callable[[str], bool] | None = None,
) -> list[Record]:
    """The table's rows from every sheet that has it (of the ``sheets`` named for it, if given).
    Hidden sheets and rows are what the admin put out of sight (drafts, old entries): they are
    left out, and ``notes`` says so. A hidden
    column is read unless a shown one holds the same field (an old 回答 beside 回答（修正版）).
    ``as_shown``: numbers as their format shows them (001, 50%); ``link_keys``: the fields whose
    cells' hyperlinks are read (see :func:`sheet_xml.with_links`); ``repeated``: the fields that
    may fill several columns (see :func:`check_unique`), also under one header merged across them."""
    from openpyxl import load_workbook  # imported lazily: only admins' sheets need it

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise DataFileError(Location(path.name), _unopenable(path, exc)) from exc
    required = set(required)
    said = notes if notes is not None else []
    records: list[Record] = []
    try:
        formats = _number_formats(wb) if as_shown else {}
        tables = []
        broken: list[tuple[Location, str]] = []
        examples: list[str] = []
        for ws in wb.worksheets:
            if sheets is not None and not sheets(ws.title):
                continue
            if _EXAMPLE_SHEET.fullmatch(ws.title.strip()):
                examples.append(ws.title)  # 「記入例」「サンプル」: shows how to fill the table
                continue
            if ws.sheet_state != "visible":
                if any(_filled(row) for _, row in _sheet_rows(path, ws, 1, 2)):
                    said.append(f"{path.name} [シート {ws.title}]: 非表示のシートは読みません")
                continue
            head = list(_sheet_rows(path, ws, 1, HEADER_SEARCH_ROWS))
            found = _header_keys((row for _, row in head), aliases, required)
            if _NOTES_SHEET.fullmatch(ws.title.strip()):  # 「変更履歴」「使い方」: about the table
                if found and required:
                    said.append(f"{path.name} [シート {ws.title}]: 履歴や説明のためのシート名なので読みません "
                                "(表ならシート名を変えてください)")
                continue
            if found:
                layout = _sheet_layout(path, ws, formats, bool(link_keys))
                if repeated:
                    found = _spread_header(found, layout.merged, aliases, repeated)
                shown = _shown_columns(found, layout.hidden_columns, aliases)
                lost = required - set(shown[1])
                if lost:  # the hidden column was the field's only one the table names
                    names = "".join(f"「{found[2][c - 1]}」" for c in shown[3])
                    raise DataFileError(
                        Location(path.name, found[0], ws.title),
                        f"見出しに {_labels(lost, aliases)} の列がありません (非表示の列{names}は、表示されている"
                        f"似た名前の列に置き換えたものとみなして読みません。表示している列の見出しを"
                        f"「{_labels(lost, aliases)}」にしてください)")
                tables.append((ws, shown, layout))
            elif sheets is not None and required and any(_filled(row) for _, row in head):
                # the table's own sheet, not empty: its header is at fault
                first = next(number for number, row in head if _filled(row))
                broken.append(_broken_header(path.name, ws.title, head, aliases, required, enough=1)
                              or (Location(path.name, first, ws.title), _labels(required, aliases)))
            elif required and (problem := _broken_header(path.name, ws.title, head, aliases, required)):
                broken.append(problem)
        if broken:
            where, missing = broken[0]
            hint = "" if sheets is not None else "。表でないシートは非表示にすると読みません"
            raise DataFileError(where, _missing(missing, hint))
        if required and not tables and sheets is None:  # as a CSV without its header: unreadable
            left_out = f"。シート「{'」「'.join(examples)}」は記入例として読みません" if examples else ""
            raise DataFileError(Location(path.name),
                                f"見出し行 ({_labels(required, aliases)}) のあるシートがありません "
                                f"(各シートの先頭 {HEADER_SEARCH_ROWS} 行を探しました{left_out})")
        for ws, (header_row, keys, cells, replaced, quiet), layout in tables:
            keys = check_unique(keys, cells, aliases, Location(path.name, header_row, ws.title), repeated)
            if replaced:
                columns = "、".join(sheet_xml.column_letters(c) for c in replaced)
                said.append(f"{path.name} [シート {ws.title}]: 非表示の列 ({columns} 列) は、同じ項目の列が"
                            "表示されているため読みません")
            link_columns = frozenset(c for c, k in enumerate(keys, 1) if k in link_keys)
            dropped = frozenset(replaced + quiet)
            records += _sheet_records(path, ws, header_row, keys, as_written(keys, cells), layout, link_columns,
                                      dropped, said)
    finally:
        wb.close()
    return records


# What a newer version of a column adds to its name: 回答_2025, 新回答, 修正後回答, 回答（改訂版）.
# (Not 回答者, 回答日, 関連ID: other columns that merely contain the name.)
_NEWER = re.compile(r"(?:[\s_\-・.:()\[\]【】0-9]|新|旧|改訂|修正|最新|最終|版|後|前|年度|ver|v)+")


def shown_sheets(path: Path) -> list[str]:
    """The names of a workbook's shown sheets ([] if it cannot be opened: reading it says why)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True)
    except Exception:  # openpyxl raises many types for a damaged file
        return []
    try:
        return [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    finally:
        wb.close()


def _spread_header(
    found: tuple[int, list[str], Sequence[Any]], merged: Sequence[tuple[int, int, int, int]],
    aliases: Mapping[str, str], repeated: Collection[str],
) -> tuple[int, list[str], Sequence[Any]]:
    """The header with a ``repeated`` field's name merged across columns (言い換え over C:E)
    named in each of them, as the admin sees it."""
    header_row, keys, cells = found
    spread = list(cells)
    for r1, c1, r2, c2 in merged:
        if r1 <= header_row <= r2 and c1 <= len(keys) and keys[c1 - 1] in repeated:
            for column in range(c1 + 1, c2 + 1):
                while len(spread) < column:
                    spread.append(None)
                if spread[column - 1] is None or not str(spread[column - 1]).strip():
                    spread[column - 1] = cells[c1 - 1]
    if spread == list(cells):
        return found
    return header_row, header_keys(spread, aliases), tuple(spread)


def _shown_columns(
    found: tuple[int, list[str], Sequence[Any]], hidden: frozenset[int], aliases: Mapping[str, str]
) -> tuple[int, list[str], Sequence[Any], list[int], list[int]]:
    """The header without the hidden columns that a shown one replaces (an old 回答 hidden
    beside 回答（修正版） or 新回答: the same field, or one header inside the other) or that
    hold no known field (notes), and the replaced ones; a hidden column of its own field (an
    ID column hidden to save room) is read."""
    header_row, keys, cells = found
    if not hidden:
        return header_row, keys, cells, [], []
    fields = set(aliases.values())
    shown_cells = sheet_xml.without_columns(tuple(cells), hidden)
    shown_keys = set(header_keys(shown_cells, aliases)) & fields
    shown_names = [_header_form(c, loose=False) for c in shown_cells if c is not None and str(c).strip()]

    def replaced(column: int) -> bool:
        name = _header_form(cells[column - 1], loose=False)
        return keys[column - 1] in shown_keys or any(
            name in other and _NEWER.fullmatch(other.replace(name, "", 1)) for other in shown_names)

    dropped = [c for c in sorted(hidden) if c <= len(cells) and keys[c - 1] in fields and replaced(c)]
    quiet = [c for c in sorted(hidden) if c <= len(cells) and keys[c - 1] not in fields]
    if not dropped and not quiet:
        return header_row, keys, cells, [], []
    cells = sheet_xml.without_columns(tuple(cells), frozenset(dropped + quiet))
    return header_row, header_keys(cells, aliases), cells, dropped, quiet


def _sheet_records(
    path: Path, ws: Any, header_row: int, keys: list[str], written: dict[str, str], layout: sheet_xml.Layout,
    link_columns: frozenset[int], dropped: frozenset[int], notes: list[str],
) -> list[Record]:
    """The rows under the header of one sheet (without the ``dropped`` columns), and notes on
    what was left out."""
    fill = _MergedFill(layout.merged)
    records, skipped, guides, read = [], [], [], set()
    for index, row in _sheet_rows(path, ws, header_row + 1):
        if index in layout.errors:
            row = sheet_xml.without_errors(row, layout.errors[index])
        if index in layout.formats:
            row = sheet_xml.with_formats(row, layout.formats[index])
        if link_columns and layout.links:
            row = sheet_xml.with_links(row, layout.links.at(index, link_columns))
        row = fill.row(index, sheet_xml.without_columns(row, dropped))
        if not _filled(row):
            continue
        if index in layout.hidden:
            skipped.append(index)
            continue
        if _guide_row(row):
            guides.append(index)
            continue
        read.add(index)
        data = {
            k or _headerless(column): (
                "" if v is None else v if not isinstance(v, float) or not v.is_integer() else int(v))
            for column, (k, v) in enumerate(itertools.zip_longest(keys, row, fillvalue=""), 1)
            if k or (v is not None and str(v).strip())  # text under no header: reported
        }
        records.append(Record(data, Location(path.name, index, ws.title), headers=written))
    sheet = f"{path.name} [シート {ws.title}]"
    if skipped:
        notes.append(f"{sheet}: 非表示の行 ({some(skipped)} 行目) は読みません")
    if guides:
        notes.append(f"{sheet}: {_GUIDE_NOTE.format(some(guides))}")
    # only rows read count: a template's formulas down an empty sheet are not news
    blank = [ref for row, ref in layout.uncalculated if row in read]
    if blank:
        notes.append(f"{sheet}: 数式の計算結果が保存されていないセル ({some(blank)}) は空として読みました。"
                     "Excel で開いて保存し直してください")
    wrong = [shown for row, cells in sorted(layout.errors.items()) if row in read for _, shown in cells]
    if wrong:
        notes.append(f"{sheet}: エラー値のセル ({some(wrong)}) は空として読みました。数式や参照先を確かめてください")
    return records


# Rows a template puts under its header: 「必須」「任意」 marks, and a filled-in example.
_GUIDE_WORDS = frozenset({"必須", "任意", "必須項目", "任意項目", "省略可", "省略可能", "入力必須", "※必須",
                          "(必須)", "(任意)", "required", "optional"})
_EXAMPLE_ROW = re.compile(r"\s*(?:[(\[【<]\s*(?:記入|入力|記載)?例\s*[)\]】>]|(?:記入|入力|記載)例(?:\s*[:：)）】>]|$))")
_GUIDE_NOTE = "記入例や「必須」「任意」の説明の行 ({} 行目) は読みません"


def _guide_row(row: Sequence[Any]) -> bool:
    """A template's 「必須／任意」 row, or an example row (its first cell starts with 「(例)」)."""
    cells = [unicodedata.normalize("NFKC", str(c)).strip() for c in row if c is not None and str(c).strip()]
    if not cells:
        return False
    return all(c.lower() in _GUIDE_WORDS for c in cells) or _EXAMPLE_ROW.match(cells[0]) is not None


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a password-protected workbook, or an old .xls


def _unopenable(path: Path, exc: Exception) -> str:
    try:
        with path.open("rb") as f:
            ole = f.read(8) == _OLE
    except OSError:
        ole = False
    if ole:
        return ("パスワード付きのブックか古い形式 (.xls) のため開けません。"
                "パスワードを外し、Excel ブック (.xlsx) として保存し直してください")
    if isinstance(exc, zipfile.BadZipFile):  # a CSV renamed .xlsx, or a save cut short
        return ("Excel ブック (.xlsx) として開けません。保存の途中か、別の形式のファイルの名前を .xlsx に"
                f"変えたものではありませんか。Excel で開いて「Excel ブック」として保存し直してください ({exc})")
    return f"Excel ファイルを開けません: {exc}"


_DAMAGED = "Excel ファイルの中身が壊れていて読めません ({})。Excel で開いて保存し直してください"


def _sheet_rows(path: Path, ws: Any, first: int, last: int | None = None) -> Iterator[tuple[int, tuple]]:
    """A sheet's rows with their numbers; a row openpyxl cannot read (a damaged file: it
    fails in many ways) is an error naming the sheet and the row it was reading."""
    rows = ws.iter_rows(min_row=first, max_row=last, values_only=True)
    index = first
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            at = _failed_row(path, ws, index)
            raise DataFileError(Location(path.name, at, ws.title), _DAMAGED.format(exc)) from exc
        yield index, row
        index += 1


def _failed_row(path: Path, ws: Any, index: int) -> int:
    """The row openpyxl failed on while ``index`` was due: the next row the XML has (it reads
    that row before yielding the empty rows of a gap)."""
    try:
        xml = _sheet_xml(path, ws)
    except DataFileError:
        return index
    return index if xml is None else sheet_xml.row_at_or_after(xml, index)


def some(items: Sequence[object], limit: int = 10) -> str:
    """The first few of a list for a message: 「3、5、8 ほか」."""
    return "、".join(map(str, items[:limit])) + (" ほか" if len(items) > limit else "")


def _headerless(column: int) -> str:
    """The name a cell under an empty header is reported by: 「E列 (見出しなし)」."""
    return f"{sheet_xml.column_letters(column)}列 (見出しなし)"


def _sheet_xml(path: Path, ws: Any) -> bytes | None:
    """A read-only sheet's XML (None for a sheet openpyxl did not read from a file)."""
    source = getattr(ws, "_get_source", None)
    if source is None:
        return None
    try:
        with source() as f:
            return f.read()
    except Exception as exc:  # a damaged archive (zipfile.BadZipFile, a CRC error ...)
        raise DataFileError(f"{path.name} [シート {ws.title}]", _DAMAGED.format(exc)) from exc


def _sheet_layout(path: Path, ws: Any, formats: dict[int, str], links: bool) -> sheet_xml.Layout:
    """What read-only openpyxl does not read of a sheet (see :mod:`knowledge.sheet_xml`)."""
    xml = _sheet_xml(path, ws)
    if xml is None:
        return sheet_xml.EMPTY
    return sheet_xml.layout(xml, formats, _relationships(ws) if links else None)


def _relationships(ws: Any) -> bytes:
    """A read-only sheet's ``.rels`` part (its hyperlinks' URLs), or nothing."""
    sheet = getattr(ws, "_worksheet_path", None)
    archive = getattr(ws.parent, "_archive", None)
    if not sheet or archive is None:
        return b""
    folder, _, name = sheet.rpartition("/")
    try:
        return archive.read(f"{folder}/_rels/{name}.rels")
    except Exception:  # no links (no such part), or a damaged one: the links are left out
        return b""


def _number_formats(wb: Any) -> dict[int, str]:
    """The workbook's style ids whose number format :func:`sheet_xml.displayed` renders (read
    from openpyxl's parsed styles; none if they are not where this openpyxl keeps them)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    codes = {}
    try:
        custom = list(wb._number_formats)
        for style_id, style in enumerate(wb._cell_styles):
            number = style.numFmtId
            code = BUILTIN_FORMATS.get(number) if number < BUILTIN_FORMATS_MAX_SIZE else (
                custom[number - BUILTIN_FORMATS_MAX_SIZE] if number - BUILTIN_FORMATS_MAX_SIZE < len(custom) else None)
            if code:
                codes[style_id] = code
    except (AttributeError, TypeError):
        return {}
    return sheet_xml.shown_formats(codes)


class _MergedFill:
    """Gives each row of a merged range the value of its top-left cell, as an admin sees it
    (a category merged down five rows belongs to all five). Only the first column is filled
    (a cell merged across columns is one wide cell; the columns it covers stay empty), and
    only rows with data of their own (a merge down the whole column adds no rows). Rows come
    in order, so the ranges are swept once."""

    def __init__(self, ranges: Sequence[tuple[int, int, int, int]]) -> None:
        self._waiting = sorted((r1, r2, c1) for r1, c1, r2, _ in ranges)
        self._next = 0
        self._active: list[tuple[int, int, Any]] = []  # (last row, column, value)

    def row(self, number: int, row: tuple[Any, ...]) -> tuple[Any, ...]:
        starting = []
        while self._next < len(self._waiting) and self._waiting[self._next][0] <= number:
            r1, r2, column = self._waiting[self._next]
            self._next += 1
            if r1 == number and column <= len(row):
                starting.append((r2, column, row[column - 1]))
        self._active = [a for a in self._active if a[0] >= number] + starting
        if not self._active or not _filled(row):
            return row
        cells = list(row)
        for _, column, value in self._active:
            if column <= len(cells):
                cells[column - 1] = value
        return tuple(cells)


# ---------------------------------------------------------------- entry point


def read_records(
    path: Path,
    aliases: Mapping[str, str],
    *,
    yaml_list_keys: Iterable[str] = ("entries", "items"),
    required: Iterable[str] = (),
    notes: list[str] | None = None,
    as_shown: bool = False,
    link_keys: Collection[str] = (),
    repeated: Collection[str] = (),
    sheets: Callable[[str], bool] | None = None,
    memo: RecordMemo | None = None,
) -> list[Record]:
    """Read one YAML, CSV or XLSX file into records with canonical keys and locations;
    ``notes`` collects what was deliberately left out (an Excel sheet's hidden rows). Excel
    only: ``as_shown`` reads numbers as their format shows them (an id 001, not 1: only where
    no other sheet or file refers to the value in another format); ``link_keys`` are the
    fields whose cells' hyperlinks are read. CSV and Excel: ``repeated`` are the fields that may
    fill several columns (see :func:`check_unique`). Excel: ``sheets`` picks the sheets to read
    by name (a workbook holding several tables), none of which need be there. YAML only:
    ``memo`` (one per file, kept by the caller) makes an unchanged item's record the same object
    as on the last read, for a caller that remembers what it made of each record; the records
    must then be left unchanged."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _yaml_records(path, tuple(yaml_list_keys), aliases, notes, memo)
    if suffix == ".csv":
        return _csv_records(path, aliases, required, notes, repeated)
    if suffix in EXCEL_SUFFIXES:
        return _xlsx_records(path, aliases, required, notes, as_shown=as_shown, link_keys=link_keys,
                             repeated=repeated, sheets=sheets)
    raise DataFileError(Location(path.name), f"対応していない形式です ({suffix})")


# Columns an office keeps for its own bookkeeping beside the data (a running number, notes,
# who changed a row and when): read past without a warning, where a data file allows it.
_BOOKKEEPING = frozenset({
    "no", "no.", "#", "項番", "連番", "通番", "通し番号",
    "メモ", "備考", "注記", "コメント", "memo", "note", "notes", "comment", "comments",
    "作成日", "登録日", "更新日", "最終更新日", "更新日時", "最終更新", "作成者", "登録者", "更新者",
    "確認者", "担当者",
})
_TRAILING_NUMBER = re.compile(r"[\s_\-#]*[0-9]+$")


def bookkeeping_column(key: str) -> bool:
    """Whether a column (its key) is one of :data:`_BOOKKEEPING` (also numbered: 備考2)."""
    name = key if key in _BOOKKEEPING else _TRAILING_NUMBER.sub("", key).removesuffix("欄")
    return name in _BOOKKEEPING


def unknown_columns(
    records: Iterable[Record],
    known: Iterable[str],
    hints: Mapping[str, str] | None = None,
    quiet: Callable[[str], bool] | None = None,
) -> list[str]:
    """A warning for each column (or YAML key) that is not a known field, at its first use;
    ``hints`` adds what to do instead for some (by the column's key); ``quiet`` columns are
    read past without one."""
    wanted = set(known)
    unknown: dict[str, tuple[str, Location]] = {}  # by key: the header as first written, where
    for record in records:
        for key in record.data:
            if key and key not in wanted and not (quiet and quiet(_COPY_NUMBER.sub("", key))):
                name = _COPY_NUMBER.sub("", key)
                if name not in unknown:
                    unknown[name] = record.headers.get(key, name), record.location
    return [f"{loc}: 知らない項目「{shown}」は読み飛ばします{(hints or {}).get(name, '')}"
            for name, (shown, loc) in unknown.items()]


ID_MAX = 128  # FAQ, course and session ids: the length the database keeps of them
CODE_MAX = 64  # unit and department codes


def too_long(label: str, value: str, limit: int) -> str | None:
    """The problem with an id or code longer than the database keeps, else None."""
    if len(value) <= limit:
        return None
    return f"{label}「{value[:20]}…」が長すぎます ({len(value)} 文字。{limit} 文字以内にしてください)"


def cell_text(record: Record, key: str) -> str:
    """A cell as clean text: NFKC, trimmed, and Excel's 12.0 for a typed 12 read back as 12."""
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def split_multi(value: Any) -> list[str]:
    """Split a cell holding several values (``a|b``, one per line, or a YAML list)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    parts = text.replace("\r\n", "\n").replace("｜", "|").replace("\n", "|").split("|")
    return [p.strip() for p in parts if p.strip()]


_WORD_SEPARATOR = re.compile(r"[、，]|(?<!\d),|,(?!\d{3}(?:\D|$))")  # not the comma of 1,000


def split_words(value: Any) -> list[str]:
    """Words or ids, several to a cell: :func:`split_multi`'s separators, 「、」 and commas."""
    return [w for part in split_multi(value) for w in map(str.strip, _WORD_SEPARATOR.split(part)) if w]


def unreadable_files(directory: Path) -> list[str]:
    """A warning for each spreadsheet in the folder that the bot cannot read (.xls, .ods ...)."""
    if not directory.is_dir():
        return []
    found = []
    for p in sorted(directory.iterdir()):
        if not p.is_file() or p.name.startswith((".", "~$")):
            continue
        suffix = p.suffix.lower()
        if suffix in _OTHER_SHEETS:
            found.append(f"{p.name}: この形式は読めないため使いません。{_OTHER_SHEETS[suffix]}で保存し直してください")
        elif suffix == ".txt" and _tab_separated(p):
            found.append(f"{p.name}: Excel の「Unicode テキスト」などタブ区切りの表のようですが、.txt は読みません。"
                         "拡張子を .csv に変えると読めます")
    return found


def _tab_separated(path: Path) -> bool:
    """A text file that looks like a table saved from Excel: UTF-16, or tabs in its first line."""
    try:
        with path.open("rb") as f:
            start = f.read(4096)
    except OSError:
        return False
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return start.split(b"\n", 1)[0].count(b"\t") >= 2


def table_files(directory: Path) -> list[Path]:
    """The data files in a directory, sorted, skipping Excel lock files and hidden files."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file()
        and p.suffix.lower() in TABLE_SUFFIXES
        and not p.name.startswith((".", "~$"))
    )
