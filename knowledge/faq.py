"""FAQ entries: the plain data model, and loading them from YAML, CSV and XLSX files.

File formats (all read through :func:`knowledge.sources.read_records`):

* YAML: a top-level ``entries:`` list of mappings with ``id, question, alternates, answer,
  category, tags, links (title + url), follow_ups, enabled``.
* CSV / XLSX: a header row. Required columns ``id, question, answer`` (or ``ID, 質問, 回答``);
  optional ``alternates`` (言い換え / 別の言い方), ``category`` (カテゴリ / 分類), ``tags`` (タグ),
  ``links`` (リンク), ``follow_ups`` (関連 / 関連FAQ), ``enabled`` (有効).
  Several values in one cell are separated by ``|`` or a line break.
  A link cell holds one link per line, either ``タイトル https://...`` (the URL last, after a
  space) or ``タイトル|https://...``.
  ``enabled`` accepts はい/いいえ, 有効/無効, ○/×, true/false, yes/no, 1/0; empty means enabled.

A directory is loaded as every YAML/CSV/XLSX file in it except the synonym dictionary
(``synonyms.yaml``, ``同義語.xlsx``, …; see :mod:`knowledge.synonyms`). For a single file, a
synonym file next to it is used too, and follow-ups to ids not in the file are warnings (they
may be in other files).

Reload speed: PyYAML parses about 3,000 entries a second here, CSV ten times faster; with
:class:`FileCache` only changed files are parsed again, so keep large FAQs in several files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from knowledge import placeholders
from knowledge.sources import (
    EXCEL_SUFFIXES,
    ID_MAX,
    DataFileError,
    Location,
    Record,
    RecordMemo,
    bookkeeping_column,
    read_records,
    split_multi,
    split_words,
    table_files,
    too_long,
    unknown_columns,
    unreadable_files,
)
from knowledge.synonyms import SynonymGroup, is_synonym_file, load_synonyms, named_like_dictionary


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question and its answer, as an admin wrote it."""

    id: str
    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    category: str = ""
    tags: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    follow_ups: tuple[str, ...] = ()
    enabled: bool = True
    location: Location | None = field(default=None, compare=False)


FAQ_ALIASES: dict[str, str] = {
    "id": "id",
    "番号": "id",
    "faq id": "id",
    "faq番号": "id",
    "question": "question",
    "質問": "question",
    "質問文": "question",
    "質問内容": "question",
    "質問事項": "question",
    "問い": "question",
    "q": "question",
    "answer": "answer",
    "回答": "answer",
    "回答文": "answer",
    "回答内容": "answer",
    "答え": "answer",
    "a": "answer",
    "alternates": "alternates",
    "alternate": "alternates",
    "言い換え": "alternates",
    "別の言い方": "alternates",
    "類似質問": "alternates",
    "category": "category",
    "カテゴリ": "category",
    "カテゴリー": "category",
    "分類": "category",
    "tags": "tags",
    "tag": "tags",
    "タグ": "tags",
    "キーワード": "tags",
    "keywords": "tags",
    "links": "links",
    "link": "links",
    "リンク": "links",
    "参考リンク": "links",
    "url": "links",
    "参考url": "links",
    "follow_ups": "follow_ups",
    "follow-ups": "follow_ups",
    "followups": "follow_ups",
    "関連": "follow_ups",
    "関連faq": "follow_ups",
    "enabled": "enabled",
    "有効": "enabled",
}
FAQ_FIELDS = (
    "id", "question", "alternates", "answer", "category", "tags", "links", "follow_ups", "enabled"
)
REQUIRED = ("id", "question", "answer")
FIELD_LABELS = {"id": "ID", "question": "質問", "answer": "回答"}

_PUBLISH_HINT = " (公開しない FAQ は「有効」の列に「いいえ」や「×」と書きます)"
_COLUMN_HINTS = {name: _PUBLISH_HINT for name in ("公開", "掲載", "公開する", "掲載する", "公開可否", "掲載可否")}
_TRUE = {"true", "yes", "y", "on", "1", "はい", "有効", "○", "〇", "◯", "する", "公開", "掲載"}
_FALSE = {
    "false", "no", "n", "off", "0", "いいえ", "無効", "×", "✕", "x", "-", "しない", "非公開", "非掲載"
}
_BAD_ID = re.compile(r"[\s|｜,、]")


@dataclass(slots=True)
class FaqLoad:
    """The result of loading FAQ files: usable only when ``errors`` is empty."""

    entries: list[FaqEntry] = field(default_factory=list)
    synonyms: list[SynonymGroup] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def synonym_groups(self) -> list[tuple[str, ...]]:
        """The synonym groups as plain term tuples (first term = canonical)."""
        return [g.terms for g in self.synonyms]


# ---------------------------------------------------------------- cell parsing


def parse_enabled(value: Any) -> bool | None:
    """``True``/``False`` for a recognised value, ``None`` for anything else."""
    if value is None or isinstance(value, bool):
        return True if value is None else value
    if isinstance(value, int | float):
        return {1: True, 0: False}.get(int(value)) if value in (0, 1) else None
    text = str(value).strip().lower()
    if not text:
        return True
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


# A web address runs to a space or Japanese punctuation (、，。・；「」｜); a bracket note at its
# end is not its own (``manual.pdf（PDF）``, ``…/x【必読】``), a bracket inside it is (``手順書（最新版）.pdf``);
# a | belongs to it only in an ASCII query (``?q=a|b``), not before a title (``…/x|PDF``, ``?id=5|申請書``).
_WEB_URL = re.compile(r"https?://[^\s、，。・；「」｜]+", re.IGNORECASE)
# 【重要】 at the end is a note, and so is （PDF） after a file's extension; 規程（2024年度） is a name
_END_NOTE = re.compile(r"(?:(?<=\.[A-Za-z0-9]{2})|(?<=\.[A-Za-z0-9]{3})|(?<=\.[A-Za-z0-9]{4}))（[^（）]*）$|(?:【[^【】]*】)+$")
_ANOTHER_URL = re.compile(r"(?<![=?&/%])https?://", re.IGNORECASE)  # not ?url=https://…
_OTHER_URL = re.compile(r"(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]*:[^\s:、。，（）|｜]\S*")  # mailto:, javascript:
_OPENING, _CLOSING = "(（「『【<", ")）」』】>"
_SENTENCE_END = ".,;:!?'\"。、，：…"
_BESIDE_URL = " \t|｜:：-‐―・,，、。.!?;'\"…"  # between a title and the URL
_BULLET = re.compile(r"^(?:[・•*]|-(?=\s))\s*")  # 「・手引き https://…」, 「- 手引き https://…」


def _trim_url(url: str) -> str:
    """A URL without what a sentence put after it (``…/a。``, ``（…/a）``, a note in brackets);
    brackets that the URL opens itself stay (``…/Python_(言語)``)."""
    pipe = url.find("|")
    if pipe >= 0 and ("?" not in url[:pipe] or not url[pipe:].isascii()):  # …?q=a|b stays whole
        url = url[:pipe]
    opened: list[tuple[str, int]] = []
    for at, char in enumerate(url):
        if char in _OPENING:
            opened.append((char, at))
        elif char in _CLOSING:
            if not opened or opened[-1][0] != _OPENING[_CLOSING.index(char)]:
                url = url[:at]  # a bracket closed that the URL did not open: （https://…）参照
                break
            opened.pop()
    else:
        unclosed = [at for char, at in opened if char not in "(<"]
        url = url[: unclosed[0]] if unclosed else url  # …pdf（PDF, 2MB）: the note's space ended it
    return _END_NOTE.sub("", url).rstrip(_SENTENCE_END)  # its brackets are balanced by now


def _link_from_text(line: str) -> tuple[str, str, str | None]:
    """(title, url, problem) of one line: ``タイトル https://…``, ``タイトル|https://…``,
    ``タイトル：https://…``, ``タイトル（https://…）``, ``https://… タイトル`` or a bare URL;
    the problem (else None) is a second URL on the line, which would otherwise be lost."""
    line = _BULLET.sub("", line.strip())
    found = list(_WEB_URL.finditer(line)) or list(_OTHER_URL.finditer(line))[:1]
    if not found:
        return line, "", None
    if len(found) > 1 or _ANOTHER_URL.search(found[0].group(), 1):
        return line, "", "に URL が 2 つ以上あります。リンクは 1 行に 1 つずつ書いてください"
    url = _trim_url(found[0].group())
    before = line[: found[0].start()].rstrip(_BESIDE_URL)
    after = line[found[0].start() + len(url):].lstrip(_BESIDE_URL)
    if before[-1:] and before[-1] in _OPENING:  # 手引き（https://…）
        before = before[:-1].rstrip(_BESIDE_URL)
    if after[:1] and after[0] in _CLOSING:
        after = after[1:].lstrip(_BESIDE_URL)
    return " ".join(part for part in (before, after) if part), url, None


def parse_links(value: Any) -> tuple[list[Link], list[str]]:
    """Links from a YAML list or a cell; returns the links and problems found (Japanese)."""
    if value is None or value == "":
        return [], []
    items: list[Any]
    if isinstance(value, list):
        items = value
    elif isinstance(value, dict):
        items = [value]
    else:
        items = [ln for ln in str(value).replace("\r\n", "\n").split("\n") if ln.strip()]
    links: list[Link] = []
    problems: list[str] = []
    for item in items:
        if isinstance(item, dict):
            title = str(item.get("title") or item.get("タイトル") or "").strip()
            url = str(item.get("url") or item.get("URL") or "").strip()
        else:
            title, url, problem = _link_from_text(str(item))
            if problem:
                problems.append(f"リンク「{title}」{problem}")
                continue
        shown = f"{title} {url}".strip()
        if not url:
            wide = _WEB_URL.search(unicodedata.normalize("NFKC", shown))  # ｈｔｔｐｓ：／／…
            problems.append(f"リンク「{shown}」の URL が全角で書かれています。半角で書いてください" if wide
                            else f"リンク「{shown}」に URL がありません")
        elif url.lower().startswith("mailto:"):  # Teams cards do not open mailto: buttons
            problems.append(
                f"リンク「{shown}」: メールアドレスはリンクのボタンにできません (Teams で開けません)。"
                "回答の本文に書いてください"
            )
        elif not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
            problems.append(f"リンク「{shown}」の URL は http:// か https:// で始めてください")
        else:  # a bare URL (what a 参考URL column holds) is shown as it is
            links.append(Link(title or url, url))
    return links, problems


def _text(value: Any) -> str:
    """A cell as clean text: line breaks unified, trailing spaces on each line removed; a date
    or time Excel made of what was typed reads as written Japanese (「12月5日」 is a date in
    the cell: 「2026年12月5日」, not 「2026-12-05 00:00:00」)."""
    if value is None:
        return ""
    text = _date_text(value) if isinstance(value, date | time) else str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in text:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()


_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63", "-"))


def _date_text(value: date | time) -> str:
    clock = ""
    if isinstance(value, time | datetime):
        clock = f"{value.hour}:{value.minute:02d}" + (f":{value.second:02d}" if value.second else "")
    if isinstance(value, time):
        return clock
    day = f"{value.year}年{value.month}月{value.day}日"
    return day if not clock or clock == "0:00" else f"{day} {clock}"


def clean_id(text: str) -> str:
    """An id as typed in any width and with any dash: 「ＦＡＱ－００１」 and 「FAQ−001」 (a minus
    sign) are 「FAQ-001」."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_DASHES).strip()


def _multi(value: Any) -> tuple[str, ...]:
    return tuple(t for t in map(_text, split_multi(value)) if t)


def _words(value: Any) -> tuple[str, ...]:
    """Tags or ids: several in one cell or string may also be separated by 、 or a comma."""
    return tuple(t for t in map(_text, split_words(value)) if t)


_TEXT_LABELS = {"id": "ID", "question": "質問", "answer": "回答", "category": "カテゴリ"}
_LIST_LABELS = {"alternates": "言い換え", "tags": "タグ", "follow_ups": "関連FAQ"}


def _nested(value: Any) -> bool:
    """A mapping, or a list holding lists or mappings: not words (「tags: {a: 1}」)."""
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, list | dict) for v in value))


# ---------------------------------------------------------------- records → entries


def _record_id(record: Record) -> str:
    value = record.get("id")
    return "" if isinstance(value, list | dict) else clean_id(_text(value))


def entry_from_record(record: Record) -> tuple[FaqEntry | None, list[str]]:
    """Build one entry; problems come back as messages prefixed with the location."""
    loc = record.location
    problems = [
        f"{loc}: {label} が一覧や「キー: 値」の形になっています。文章として書いてください "
        "(複数行の回答は「answer: |」の次の行から字下げして書きます)"
        for key, label in _TEXT_LABELS.items()
        if isinstance(record.get(key), list | dict)
    ] + [
        f"{loc}: {label} が入れ子の一覧や「キー: 値」の形になっています。言葉を「- 」で 1 行に 1 つずつ書いてください"
        for key, label in _LIST_LABELS.items()
        if _nested(record.get(key))
    ]
    values = {key: _text(record.get(key)) for key in REQUIRED}
    values["id"] = _record_id(record)
    missing = [FIELD_LABELS[k] for k in REQUIRED if not values[k]]
    if missing:
        problems.append(f"{loc}: 必須項目 {'・'.join(missing)} が空です")
    if values["id"] and _BAD_ID.search(values["id"]):
        problems.append(
            f"{loc}: ID「{values['id']}」に空白や | , は使えません (英数字と - _ を使ってください)"
        )
    if long_id := too_long("ID", values["id"], ID_MAX):
        problems.append(f"{loc}: {long_id}")
    enabled = parse_enabled(record.get("enabled"))
    if enabled is None:
        problems.append(
            f"{loc}: 有効 (enabled) の値「{record.get('enabled')}」が読めません "
            "(はい/いいえ、true/false のどれかにしてください)"
        )
    links, link_problems = parse_links(record.get("links"))
    problems += [f"{loc}: {p}" for p in link_problems]
    if problems:
        return None, problems
    entry = FaqEntry(
        id=values["id"],
        question=values["question"],
        answer=values["answer"],
        alternates=_multi(record.get("alternates")),
        category=_text(record.get("category")),
        tags=_words(record.get("tags")),
        links=tuple(links),
        follow_ups=tuple(clean_id(ref) for ref in _words(record.get("follow_ups"))),
        enabled=bool(enabled),
        location=loc,
    )
    return entry, []


def check_references(
    entries: Iterable[FaqEntry],
    *,
    partial: bool = False,
    rows: Sequence[tuple[str, Location | None]] | None = None,
    unread: bool = False,
) -> tuple[list[str], list[str]]:
    """Duplicate ids and unknown follow-ups (errors); follow-ups to disabled entries (warnings).

    ``partial``: the entries are one file of a larger FAQ, so unknown follow-ups only warn.
    ``unread``: a file could not be read at all (its error says why): the same, so that its
    error is not buried under follow-ups to the ids it holds.
    ``rows``: the id and place of every row, also those left out for an error of their own:
    a duplicate among them is still found, and a follow-up to one is not also an error.
    """
    errors: list[str] = []
    warnings: list[str] = []
    entries = list(entries)
    first_at: dict[str, Location | None] = {}
    for entry_id, location in rows if rows is not None else [(e.id, e.location) for e in entries]:
        if entry_id in first_at:
            errors.append(f"{location}: ID「{entry_id}」が重複しています (最初の定義: {first_at[entry_id]})")
        else:
            first_at[entry_id] = location
    by_id: dict[str, FaqEntry] = {}
    for entry in entries:
        by_id.setdefault(entry.id, entry)
    for entry in by_id.values():
        for ref in entry.follow_ups:
            target = by_id.get(ref)
            if target is None and ref in first_at:
                continue  # that row has an error of its own
            if target is None and unread:
                warnings.append(f"{entry.location}: 関連FAQ「{ref}」が見つかりません "
                                "(読み込めなかったファイルにあるなら、そのファイルを直せば解消します)")
            elif target is None and partial:
                warnings.append(
                    f"{entry.location}: 関連FAQ「{ref}」はこのファイルにありません "
                    "(FAQ フォルダのほかのファイルにあれば問題ありません)"
                )
            elif target is None:
                errors.append(f"{entry.location}: 関連FAQ「{ref}」という ID はありません")
            elif ref == entry.id:
                warnings.append(f"{entry.location}: 関連FAQ に自分自身 ({ref}) が入っています")
            elif entry.enabled and not target.enabled:
                warnings.append(f"{entry.location}: 関連FAQ「{ref}」は無効になっています")
    return errors, warnings


def faq_files(path: Path) -> tuple[list[Path], list[Path]]:
    """The FAQ data files under ``path`` (or ``path`` itself) and the synonym files beside
    them (``synonyms.yaml``, 同義語.xlsx, …)."""
    if path.is_dir():
        found = table_files(path)
        return [p for p in found if not is_synonym_file(p)], [p for p in found if is_synonym_file(p)]
    if is_synonym_file(path):  # the dictionary on its own (to check it)
        return [], [path]
    return [path], [p for p in table_files(path.parent) if is_synonym_file(p) and p != path]


@dataclass(slots=True)
class _FileResult:
    entries: list[FaqEntry]
    errors: list[str]
    warnings: list[str]
    rows: list[tuple[str, Location | None]] = field(default_factory=list)  # every readable id


# What a record became (its entry, or its problems), by what entry_from_record reads of it
_Built = dict[Hashable, tuple[FaqEntry | None, list[str]]]


@dataclass(slots=True)
class _Made:
    """What one file's records became on its last read: after an edit, the entries of the rows
    or items that did not change stand (and a YAML file's unchanged items keep their records,
    see :mod:`knowledge.yaml_edits`)."""

    records: RecordMemo = field(default_factory=dict)
    entries: _Built = field(default_factory=dict)


def _content(record: Record) -> Hashable:
    """What :func:`entry_from_record` reads of a record, as a key: a row's place and the hash of
    its cells (the memo keeps no copy of the file); a YAML item's record (lists in it) itself."""
    cells = tuple((k, v if type(v) is str else _scalar(v)) for k, v in record.data.items())
    try:
        return record.location, hash(cells)
    except TypeError:  # a YAML item: hashed by identity, as yaml_edits keeps an unchanged one
        return record


def _scalar(value: Any) -> Any:
    """A cell that is no text, as its type and repr: 1, 1.0 and True read differently, and so do
    the same moment in two time zones (equal as datetimes)."""
    return value if isinstance(value, list | dict) else (type(value), repr(value))


@dataclass(slots=True)
class FileCache:
    """Parsed FAQ files keyed by path and content digest: a reload re-parses changed files only,
    and of a changed file builds again only the entries whose rows or items changed.

    (A digest rather than the modification time: two saves within one clock tick differ.)
    """

    _items: dict[Path, tuple[bytes, _FileResult]] = field(default_factory=dict)
    _made: dict[Path, _Made] = field(default_factory=dict)

    def made(self, path: Path) -> _Made:
        return self._made.setdefault(path, _Made())

    def keep(self, paths: Iterable[Path]) -> None:
        """Forget the files that are not among ``paths`` (moved away or deleted)."""
        wanted = set(paths)
        for remembered in (self._items, self._made):
            for path in [p for p in remembered if p not in wanted]:
                del remembered[path]

    def get(self, path: Path, key: bytes) -> _FileResult | None:
        hit = self._items.get(path)
        return hit[1] if hit is not None and hit[0] == key else None

    def put(self, path: Path, key: bytes, result: _FileResult) -> None:
        self._items[path] = (key, result)


def _read_file(file: Path, made: _Made | None = None) -> _FileResult:
    result = _FileResult([], [], [])
    try:
        if file.stat().st_size == 0:  # a save cut short, or everything deleted: not "no FAQ"
            result.errors.append(f"{file.name}: ファイルが空です (0 バイト)。FAQ を書いて保存し直すか、"
                                 "要らないファイルならフォルダから移してください")
            return result
        records = read_records(file, FAQ_ALIASES, required=REQUIRED, notes=result.warnings,
                               as_shown=True, link_keys=("links", "answer"),
                               memo=made.records if made is not None else None)
    except DataFileError as exc:
        hint = "" if not named_like_dictionary(file) else (
            " (表記ゆれ辞書の写しなら FAQ のフォルダから移してください。辞書として読むファイルは"
            "「同義語.xlsx」のような名前の 1 つだけです)"
        )
        result.errors.append(f"{exc}{hint}")
        return result
    except OSError as exc:
        result.errors.append(f"{file.name}: 読み込めません ({exc.strerror or exc})")
        return result
    if not records:
        result.warnings.append(f"{file.name}: FAQ が 1 件もありません")
    result.warnings += _synonym_sheets(file)
    result.warnings += unknown_columns(records, FAQ_FIELDS, _COLUMN_HINTS, bookkeeping_column)
    built: _Built = {}
    for record in records:
        # an unchanged YAML item's record is found as itself, without working out its cells
        key = record if made is not None and record in made.entries else _content(record)
        last = made.entries.get(key) if made is not None else None
        entry, problems = built[key] = last if last is not None else entry_from_record(record)
        result.errors += problems
        row_id = entry.id if entry is not None else _record_id(record)
        if row_id and not _BAD_ID.search(row_id):
            result.rows.append((row_id, record.location))
        if entry is not None:
            result.entries.append(entry)
    if made is not None:
        made.entries = built
    return result


def _synonym_sheets(file: Path) -> list[str]:
    """A warning for a sheet named as the synonym dictionary in an FAQ workbook: the dictionary
    is read from a file of its own."""
    if file.suffix.lower() not in EXCEL_SUFFIXES:
        return []
    from openpyxl import load_workbook

    try:
        wb = load_workbook(file, read_only=True)
    except Exception:  # replaced or locked since it was read: nothing to point out
        return []
    try:
        names = [n for n in wb.sheetnames if is_synonym_file(Path(n + ".xlsx"))]
    finally:
        wb.close()
    return [f"{file.name} [シート {n}]: 表記ゆれ辞書はこのブックからは読みません。"
            f"別のファイル (「{n}.xlsx」など) にして FAQ と同じフォルダに置いてください" for n in names]


def _written(file: Path) -> tuple[int, int] | None:
    """When the file was last written, and its size (None if it cannot be read)."""
    try:
        stat = file.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _read_cached(file: Path, cache: FileCache | None) -> _FileResult:
    """A file's entries, from the cache while its content is unchanged. The result of a read
    during which the file was saved (even saved back as it was) is not cached: what was read
    is not known."""
    if cache is None:
        return _read_file(file)
    written = _written(file)
    try:
        key = hashlib.blake2b(file.read_bytes(), digest_size=16).digest()
    except OSError:
        return _read_file(file)
    result = cache.get(file, key)
    if result is None:
        result = _read_file(file, cache.made(file))
        if written is not None and _written(file) == written:
            cache.put(file, key, result)
    return result


def load_faq(
    path: Path, *, similar_limit: int | None = None, cache: FileCache | None = None
) -> FaqLoad:
    """Load and validate every FAQ file under ``path`` (a directory or one file).

    The near-duplicate check runs when there are at most ``similar_limit`` entries (always when
    ``None``, never when 0); ``cache`` lets repeated loads skip files that did not change.
    A single file may be one part of a larger FAQ: its unknown follow-ups are only warnings.
    """
    result = FaqLoad()
    if not path.exists():
        result.errors.append(f"{path}: FAQ のファイルまたはフォルダが見つかりません")
        return result
    files, synonym_files = faq_files(path)
    result.warnings += unreadable_files(path)
    if path.is_file() and not files:
        result.errors.append(f"{path.name} は表記ゆれ辞書です。FAQ のファイルかフォルダを指定してください")
    elif not files:
        result.errors.append(f"{path}: FAQ のファイル (.yaml / .csv / .xlsx) がありません")
    result.files = [*files, *synonym_files]
    if len(synonym_files) > 1:
        names = "、".join(p.name for p in synonym_files)
        folder = path if path.is_dir() else path.parent
        result.errors.append(f"{folder}: 表記ゆれ辞書のファイルが複数あります ({names})。1 つにまとめてください")
    elif synonym_files:
        syn = load_synonyms(synonym_files[0])
        result.synonyms = syn.groups
        result.errors += syn.errors
        result.warnings += syn.warnings
    rows: list[tuple[str, Location | None]] = []
    unread = False  # a file none of whose rows could be read (a YAML syntax error, ...)
    if cache is not None:
        cache.keep(files)
    for file in files:
        part = _read_cached(file, cache)
        result.entries += part.entries
        result.errors += part.errors
        result.warnings += part.warnings
        rows += part.rows
        unread = unread or (bool(part.errors) and not part.rows)
    errors, warnings = check_references(result.entries, partial=not path.is_dir(), rows=rows, unread=unread)
    result.errors += errors
    result.warnings += warnings
    result.warnings += placeholders.warnings((str(e.location or e.id), e.answer) for e in result.entries)
    if result.entries and similar_limit != 0:
        if similar_limit is None or len(result.entries) <= similar_limit:
            from knowledge.similar import near_duplicate_warnings  # needs the normaliser

            result.warnings += near_duplicate_warnings(result.entries, result.synonym_groups)
        else:
            result.warnings.append(
                f"FAQ が {len(result.entries)} 件あるため、似すぎた FAQ の確認は省略しました "
                "(python -m knowledge validate で確認できます)"
            )
    return result
