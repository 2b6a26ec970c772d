"""The training catalogue (研修カタログ): courses and their sessions, from admin files.

YAML is the canonical form (one file per fiscal year, courses with their sessions nested).
CSV and XLSX are accepted too, as a courses table (研修) and a sessions table (日程): two
CSV files named ``courses.csv`` / ``sessions.csv`` or one workbook with both sheets.
Times without a zone are Japan time. :func:`build_catalogue` is the live-reload builder.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from knowledge.directory import TIERS, fold, normalize_role, normalize_tier
from knowledge.live import check_build
from knowledge.sources import (
    EXCEL_SUFFIXES,
    ID_MAX,
    DataFileError,
    Location,
    Record,
    cell_text,
    load_yaml,
    read_records,
    split_words,
    strip_lines,
    table_files,
    too_long,
    unknown_columns,
    unreadable_files,
    yaml_record,
)

log = logging.getLogger(__name__)

TOKYO = ZoneInfo("Asia/Tokyo")

#: Course categories, in the order menus list them.
CATEGORIES: tuple[str, ...] = (
    "階層別研修",
    "DX推進スペシャリスト養成",
    "デジタル活用推進員研修",
    "職場内DX研修",
    "e-ラーニング",
)

COURSE_ALIASES = {
    "研修id": "id",
    "研修コード": "id",
    "研修名": "title",
    "名称": "title",
    "区分": "category",
    "分類": "category",
    "カテゴリ": "category",
    "内容": "description",
    "概要": "description",
    "説明": "description",
    "対象職位": "tiers",
    "対象役割": "roles",
    "必須職位": "mandatory_for",
    "必修": "mandatory_for",
    "承認要否": "approval_required",
    "要承認": "approval_required",
    "承認者": "approvers",
    "ライセンス数": "licence_pool",
    "license_pool": "licence_pool",
    "日程": "sessions",
    "問い合わせ先": "contact",
    "問合せ先": "contact",
    "連絡先": "contact",
    "研修担当": "contact",
}
SESSION_ALIASES = {
    "日程id": "id",
    "開催id": "id",
    "研修id": "course_id",
    "研修コード": "course_id",
    "開始": "start",
    "開始日時": "start",
    "終了": "end",
    "終了日時": "end",
    "会場": "venue",
    "オンラインurl": "online_url",
    "url": "online_url",
    "定員": "capacity",
    "締切": "deadline",
    "申込締切": "deadline",
}
COURSE_REQUIRED = ("id", "title")  # the header is looked for below a title row by these
SESSION_REQUIRED = ("id", "course_id", "start")
COURSE_NAMES = ("courses", "course", "研修", "研修一覧")
SESSION_NAMES = ("sessions", "session", "日程", "開催日程", "日程表", "日程一覧")

_ALL = {"全職員", "全員", "all", "*"}
_TRUE = {"true", "yes", "y", "on", "1", "はい", "要", "必要", "あり", "有", "○", "◯"}
_FALSE = {"false", "no", "n", "off", "0", "いいえ", "不要", "なし", "無", "×", "-", ""}


# ---------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Session:
    """One scheduled run of a course. Times are aware (Asia/Tokyo)."""

    id: str
    course_id: str
    start: datetime
    end: datetime
    venue: str
    online_url: str
    capacity: int
    deadline: datetime | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def closes_at(self) -> datetime:
        """When applications close: the deadline, or the start if there is none."""
        return self.deadline or self.start


@dataclass(frozen=True, slots=True)
class Course:
    """A course; empty ``tiers``/``roles`` mean anyone may apply."""

    id: str
    title: str
    category: str
    description: str = ""
    tiers: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    mandatory_for: tuple[str, ...] = ()
    approval_required: bool = False
    approvers: tuple[str, ...] = ()
    sessions: tuple[Session, ...] = ()
    licence_pool: int | None = None
    location: Location | None = field(default=None, compare=False)
    contact: str = ""  # who answers questions about it (研修担当の連絡先); "" for the default


class Catalogue:
    """Look-ups over the courses of a catalogue."""

    def __init__(self, courses: Iterable[Course], warnings: Iterable[str] = ()) -> None:
        self.warnings = tuple(warnings)  # of the files it was loaded from (for the admin status)
        self.courses: tuple[Course, ...] = tuple(courses)
        self._courses = {c.id: c for c in self.courses}
        self._sessions = {s.id: s for c in self.courses for s in c.sessions}

    def __len__(self) -> int:
        return len(self.courses)

    def course(self, course_id: str) -> Course | None:
        return self._courses.get(course_id)

    def session(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    @staticmethod
    def is_mandatory(course: Course, tier: str | None) -> bool:
        return tier is not None and tier in course.mandatory_for

    @staticmethod
    def is_eligible(course: Course, tier: str | None, roles: Iterable[str] = ()) -> bool:
        """Whether someone of ``tier`` holding ``roles`` may apply."""
        tier_ok = not course.tiers or tier in course.tiers
        roles_ok = not course.roles or bool(set(course.roles) & set(roles))
        return tier_ok and roles_ok

    def courses_for(self, tier: str | None, roles: Iterable[str] = ()) -> list[Course]:
        """Courses open to this person: mandatory ones for the tier first, then by category."""
        roles = set(roles)
        eligible = [
            (not self.is_mandatory(c, tier), CATEGORIES.index(c.category), i, c)
            for i, c in enumerate(self.courses)
            if self.is_eligible(c, tier, roles)
        ]
        return [c for *_, c in sorted(eligible, key=lambda row: row[:3])]


# ---------------------------------------------------------------- value parsing

_DATE_TIME = re.compile(
    r"(?P<y>\d{4})[-/年.](?P<mo>\d{1,2})[-/月.](?P<d>\d{1,2})日?"
    r"(?:\s*\([^)]*\))?"  # a weekday such as (水)
    r"(?:(?:T|\s*)(?P<h>\d{1,2})[:時](?P<mi>\d{1,2})分?(?::(?P<s>\d{1,2}))?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)
_TIME_ONLY = re.compile(r"(?P<h>\d{1,2})[:時](?P<mi>\d{1,2})分?(?::(?P<s>\d{1,2}))?")


class _NoTime(ValueError):
    """A date without the time of day where one is needed."""


def is_time_only(value: Any) -> bool:
    """Whether ``value`` is a bare time of day (``16:30``), meant for the start's day."""
    if isinstance(value, time):
        return True
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    return _TIME_ONLY.fullmatch(text) is not None


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=TOKYO) if value.tzinfo is None else value.astimezone(TOKYO)


def parse_when(
    value: Any, *, base: date | None = None, end_of_day: bool = False
) -> datetime:
    """Parse a date and time (``2026-12-08 13:30``, ``2026/12/8(火) 13時30分``) in Japan time.

    A time alone (``16:30``) is taken on ``base``'s day. A date alone (or an Excel date
    cell, which reads as midnight: no training starts at 0:00) is accepted only with
    ``end_of_day`` (deadlines), meaning 23:59 that day. Raises ValueError with a Japanese
    message.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == time(0):
            value = value.date()  # an Excel date cell (openpyxl gives midnight): no time given
        else:
            return _aware(value)
    if isinstance(value, date):
        if end_of_day:
            return datetime.combine(value, time(23, 59), TOKYO)
        raise ValueError(f"日時「{value}」に時刻がありません (例: {value} 13:30)")
    if isinstance(value, time) and base is not None:
        return datetime.combine(base, value.replace(tzinfo=None), TOKYO)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        if (m := _DATE_TIME.fullmatch(text)) is not None:
            day = date(int(m["y"]), int(m["mo"]), int(m["d"]))
            if m["h"] is None:
                if end_of_day:
                    return datetime.combine(day, time(23, 59), TOKYO)
                raise _NoTime
            clock = time(int(m["h"]), int(m["mi"]), int(m["s"] or 0))
            if m["tz"] is None:
                return datetime.combine(day, clock, TOKYO)
            zoned = datetime.fromisoformat(f"{day.isoformat()}T{clock.isoformat()}{m['tz']}")
            return zoned.astimezone(TOKYO)
        if base is not None and (m := _TIME_ONLY.fullmatch(text)) is not None:
            clock = time(int(m["h"]), int(m["mi"]), int(m["s"] or 0))
            return datetime.combine(base, clock, TOKYO)
    except _NoTime:
        raise ValueError(f"日時「{value}」に時刻がありません (例: {text} 13:30)") from None
    except ValueError as exc:
        raise ValueError(f"日時「{value}」は存在しない日付・時刻です") from exc
    raise ValueError(f"日時「{value}」を読めません (例: 2026-12-08 13:30)")


def _category_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value).lower().replace("-", "").replace(" ", "")


_CATEGORY_KEYS = {
    **{_category_key(c) + suffix: c for c in CATEGORIES for suffix in ("", "研修")},
    "elearning": "e-ラーニング",
}


def _category(value: str) -> str | None:
    """The canonical category (``DX推進スペシャリスト養成研修`` → ``DX推進スペシャリスト養成``)."""
    return _CATEGORY_KEYS.get(_category_key(value))


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


# Plausibility: beyond these a session is almost certainly mistyped (warned, not refused).
LARGE_CAPACITY = 10_000  # more than the staff of a prefectural government's offices
LONG_SESSION = timedelta(days=7)  # one session of a course; a multi-day course is a few days


def _positive_int(value: Any) -> int | None:
    """A positive integer, or None if ``value`` is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if re.fullmatch(r"\d+\.0*", text):  # 「60.0」 as text reads as the 60.0 Excel stores
        text = text.split(".")[0]
    return int(text) if text.isdigit() and int(text) > 0 else None


# ---------------------------------------------------------------- reading files


@dataclass(slots=True)
class CatalogueLoad:
    """The outcome of reading the catalogue files: the data, errors and warnings."""

    catalogue: Catalogue
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _yaml_record(item: Any, aliases: Mapping[str, str], where: Location) -> Record:
    if not isinstance(item, dict):
        raise DataFileError(where, "各項目は「キー: 値」の形にしてください")
    location = Location(where.file, item.get("__line__", where.line))
    return yaml_record(item, aliases, location, strip=False)


def _yaml_tables(path: Path) -> tuple[list[Record], list[Record]]:
    """Courses (with nested sessions) and any top-level sessions from one YAML file."""
    doc = load_yaml(path)
    if doc is None:
        return [], []
    where = Location(path.name)
    if isinstance(doc, list):
        doc = {"courses": doc}
    if not isinstance(doc, dict):
        raise DataFileError(where, "courses: の下に研修の一覧を書いてください")
    lists = {
        kind: next((doc[k] for k in names if k in doc), []) or []
        for kind, names in (("courses", COURSE_NAMES), ("sessions", SESSION_NAMES))
    }
    for kind, items in lists.items():
        if not isinstance(items, list):
            raise DataFileError(where, f"{kind}: は一覧 (- で始まるリスト) にしてください")
    courses, sessions = [], []
    for item in lists["courses"]:
        course = _yaml_record(item, COURSE_ALIASES, where)
        nested = course.data.pop("sessions", None) or []
        if not isinstance(nested, list):
            raise DataFileError(course.location, "sessions: は一覧 (- で始まるリスト) にしてください")
        for sub in nested:
            session = _yaml_record(sub, SESSION_ALIASES, course.location)
            session.data.setdefault("course_id", course.data.get("id"))
            session.data = strip_lines(session.data)
            sessions.append(session)
        course.data = strip_lines(course.data)
        courses.append(course)
    for item in lists["sessions"]:
        session = _yaml_record(item, SESSION_ALIASES, where)
        session.data = strip_lines(session.data)
        sessions.append(session)
    return courses, sessions


def _sheet_records(
    path: Path, aliases: Mapping[str, str], required: Iterable[str], names: Iterable[str],
    notes: list[str], tables: set[str],
) -> list[Record]:
    """The rows of the sheets with these names (their header found below a title row);
    ``tables`` collects the names of the other sheets that look like a table of this kind
    (two or more known columns in the first row)."""
    wanted = {n.lower() for n in names}

    def named(title: str) -> bool:
        return title.strip().lower() in wanted

    fields = set(aliases.values())
    try:  # only to point out a misnamed table: a sheet of notes with odd headers is no error
        others = read_records(path, aliases, notes=[], sheets=lambda title: not named(title))
    except DataFileError:
        others = []
    tables.update(r.location.sheet for r in others
                  if r.location.sheet is not None and len(fields & set(r.data)) >= 2)
    return read_records(path, aliases, required=required, notes=notes, sheets=named)


def _read_files(path: Path, errors: list[str], warnings: list[str]) -> tuple[list, list]:
    files = table_files(path) if path.is_dir() else [path] if path.is_file() else []
    warnings += unreadable_files(path)
    if not files:
        warnings.append(f"{path.name}: 研修カタログのファイルがありません")
    courses: list[Record] = []
    sessions: list[Record] = []
    for f in files:
        suffix, stem = f.suffix.lower(), f.stem.strip().lower()
        try:
            if suffix in (".yaml", ".yml"):
                c, s = _yaml_tables(f)
            elif suffix in EXCEL_SUFFIXES:
                notes: list[str] = []
                tables: set[str] = set()
                c = _sheet_records(f, COURSE_ALIASES, COURSE_REQUIRED, COURSE_NAMES, notes, tables)
                s = _sheet_records(f, SESSION_ALIASES, SESSION_REQUIRED, SESSION_NAMES, notes, tables)
                warnings += list(dict.fromkeys(notes))  # the workbook was read once per table
                named = {n.lower() for n in (*COURSE_NAMES, *SESSION_NAMES)}
                warnings += [
                    f"{f.name} [シート {sheet}]: 研修は「研修」、日程は「日程」という名前のシートに書いてください"
                    " (このシートは読みません)"
                    for sheet in sorted(tables) if sheet.strip().lower() not in named
                ]
                if not c and not s:
                    warnings.append(f"{f.name}: シート「研修」「日程」が見つからないため読み込みません")
            elif stem in COURSE_NAMES:
                c, s = read_records(f, COURSE_ALIASES, required=COURSE_REQUIRED, notes=warnings), []
            elif stem in SESSION_NAMES:
                c, s = [], read_records(f, SESSION_ALIASES, required=SESSION_REQUIRED, notes=warnings)
            else:
                warnings.append(f"{f.name}: courses.csv か sessions.csv の名前にしてください (読み込みません)")
                continue
        except DataFileError as exc:
            errors.append(str(exc))
            continue
        courses += c
        sessions += s
    return courses, sessions


# ---------------------------------------------------------------- validation


_LOOSE_SEPARATOR = re.compile(r"[\s/／]+")


def _listed(value: Any, known: Callable[[str], str | None]) -> list[str]:
    """Several values in one cell: separated as FAQ words are (「|」, a line break, 「、」 or a
    comma), and a value ``known`` does not take, split at spaces or slashes if every part is
    one it takes (「主査 主任」, 「主査／主任」)."""
    values = []
    for v in split_words(value):
        parts = [part for part in _LOOSE_SEPARATOR.split(v) if part]
        loose = known(v) is None and len(parts) > 1 and all(known(part) is not None for part in parts)
        values += parts if loose else [v]
    return values


HEAD = "head"  # the approver who is the applicant's 所属長 (by the staff list's 職位)
_HEAD_WORDS = frozenset(fold(w) for w in ("head", "所属長", "課長"))


def _approver(value: str) -> str | None:
    """An approver as the catalogue keeps it: a UPN (lower case), a role, or :data:`HEAD`."""
    if "@" in value:
        return value.lower()
    return HEAD if fold(value) in _HEAD_WORDS else normalize_role(value)


class _Checker:
    """Validates course and session records, collecting every error with its location."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, where: Location, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def tiers(self, r: Record, key: str, label: str) -> tuple[str, ...]:
        values = _listed(r.get(key), normalize_tier)
        if any(unicodedata.normalize("NFKC", v).lower() in _ALL for v in values):
            return ()
        found = []
        for v in values:
            tier = normalize_tier(v)
            if tier is None:
                self.error(r.location, f"{label}「{v}」は使えません (使える値: {'、'.join(TIERS)}。"
                                       "複数なら「、」か改行で区切ります)")
            elif tier not in found:
                found.append(tier)
        return tuple(sorted(found, key=TIERS.index))

    def roles(self, r: Record) -> tuple[str, ...]:
        found = []
        for v in _listed(r.get("roles"), normalize_role):
            role = normalize_role(v)
            if role is None:
                self.error(r.location, f"対象役割「{v}」は使えません (promoter / specialist など)")
            elif role not in found:
                found.append(role)
        return tuple(found)

    def approvers(self, r: Record, required: bool) -> tuple[str, ...]:
        found = []
        for v in _listed(r.get("approvers"), _approver):
            approver = _approver(v)
            if approver is None:
                self.error(r.location, f"承認者「{v}」は役割名 (admin など)・所属長・UPN のどれかにしてください")
            else:
                found.append(approver)
        if found and not required:
            self.warnings.append(f"{r.location}: 承認者がありますが承認不要の研修です")
        return tuple(found) if found or not required else ("admin",)

    def when(self, r: Record, key: str, label: str, **kwargs: Any) -> datetime | None:
        raw = r.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            return parse_when(raw, **kwargs)
        except ValueError as exc:
            self.error(r.location, f"{label}: {exc}")
            return None

    def session(self, r: Record) -> Session | None:
        sid, course_id = cell_text(r, "id"), cell_text(r, "course_id")
        missing = [label for label, v in (("日程ID", sid), ("研修ID", course_id)) if not v]
        if r.get("start") in (None, ""):
            missing.append("開始日時")
        if r.get("end") in (None, ""):
            missing.append("終了日時")
        if missing:
            self.error(r.location, f"{'、'.join(missing)}がありません")
        long_id = too_long("日程ID", sid, ID_MAX)  # a course's own id is checked on its row
        if long_id:
            self.error(r.location, long_id)
        start = self.when(r, "start", "開始日時")
        end = None
        if start is not None or not is_time_only(r.get("end")):  # else nothing to anchor it
            end = self.when(r, "end", "終了日時", base=start.date() if start else None)
        deadline = self.when(r, "deadline", "申込締切", end_of_day=True)
        ok = not missing and not long_id and start is not None and end is not None
        if start and end and end <= start:
            self.error(r.location, "終了日時が開始日時より前 (または同じ) です")
            ok = False
        if start and deadline and deadline > start:
            self.error(r.location, "申込締切が開始日時より後です")
            ok = False
        capacity = _positive_int(r.get("capacity", ""))
        if capacity is None:
            self.error(r.location, f"定員「{cell_text(r, 'capacity')}」は 1 以上の整数にしてください")
            ok = False
        elif capacity > LARGE_CAPACITY:
            self.warnings.append(f"{r.location}: 定員 {capacity:,} 人は多すぎないか確かめてください (桁の打ち間違い?)")
        if start and end and end - start > LONG_SESSION:
            self.warnings.append(f"{r.location}: 開始から終了まで {(end - start).days} 日あります。"
                                 "終了日時の年や月の書き間違いではないか確かめてください")
        venue, url = cell_text(r, "venue"), cell_text(r, "online_url")
        if not venue and not url:
            self.error(r.location, "会場かオンラインURLのどちらかを書いてください")
            ok = False
        if url and not url.lower().startswith("https://"):
            self.error(r.location, f"オンラインURL「{url}」は https:// で始まるリンクにしてください")
            ok = False
        if not ok or start is None or end is None or capacity is None:
            return None
        return Session(sid, course_id, start, end, venue, url, capacity, deadline, r.location)

    def course(self, r: Record, sessions: tuple[Session, ...], listed: bool = False) -> Course | None:
        """One course; ``listed``: it has session rows (some may have had errors of their own)."""
        cid, title, raw_category = cell_text(r, "id"), cell_text(r, "title"), cell_text(r, "category")
        missing = [n for n, v in (("研修ID", cid), ("研修名", title), ("区分", raw_category)) if not v]
        if missing:
            self.error(r.location, f"{'、'.join(missing)}がありません")
        errors_before = len(self.errors)
        if long_id := too_long("研修ID", cid, ID_MAX):
            self.error(r.location, long_id)
        category = _category(raw_category) if raw_category else None
        if raw_category and category is None:
            self.error(r.location, f"区分「{raw_category}」は使えません (使える値: {'、'.join(CATEGORIES)})")
        tiers = self.tiers(r, "tiers", "対象職位")
        mandatory = self.tiers(r, "mandatory_for", "必須職位")
        if tiers and set(mandatory) - set(tiers):
            self.error(r.location, "必須職位が対象職位に含まれていません")
        roles = self.roles(r)
        approval = _bool(r.get("approval_required"))
        if approval is None:
            self.error(r.location, f"承認要否「{cell_text(r, 'approval_required')}」は はい/いいえ にしてください")
        approvers = self.approvers(r, bool(approval))
        pool = None
        if cell_text(r, "licence_pool"):
            pool = _positive_int(r.get("licence_pool"))
            if pool is None:
                self.error(r.location, f"ライセンス数「{cell_text(r, 'licence_pool')}」は 1 以上の整数にしてください")
        if not sessions and not listed and pool is None and not cell_text(r, "licence_pool"):
            self.error(r.location, "日程もライセンス数もありません。どちらかを書いてください")
        if missing or category is None or len(self.errors) > errors_before:
            return None
        return Course(
            cid, title, category, cell_text(r, "description"), tiers, roles, mandatory,
            bool(approval), approvers, tuple(sorted(sessions, key=lambda s: (s.start, s.id))),
            pool, r.location, cell_text(r, "contact"),
        )


def load_catalogue(path: Path) -> CatalogueLoad:
    """Read and validate the catalogue in ``path`` (a folder or one file)."""
    checker = _Checker()
    course_records, session_records = _read_files(path, checker.errors, checker.warnings)
    checker.warnings += unknown_columns(course_records, COURSE_ALIASES.values())
    checker.warnings += unknown_columns(session_records, SESSION_ALIASES.values())
    listed = {cell_text(r, "id") for r in course_records}
    seen_sessions: dict[str, Location] = {}
    by_course: dict[str, list[Session]] = {}
    with_rows: set[str] = set()  # courses with session rows, valid or not
    for r in session_records:
        session = checker.session(r)
        sid, course_id = cell_text(r, "id"), cell_text(r, "course_id")
        with_rows.add(course_id)
        if sid and sid in seen_sessions:
            checker.error(r.location, f"日程ID {sid} が重複しています ({seen_sessions[sid]} と同じ)")
            continue
        if sid:
            seen_sessions[sid] = r.location
        if course_id and course_id not in listed:
            checker.error(r.location, f"研修ID {course_id} の研修がありません")
        elif session is not None:
            by_course.setdefault(course_id, []).append(session)
    courses: dict[str, Course] = {}
    seen_courses: dict[str, Location] = {}
    for r in course_records:
        cid = cell_text(r, "id")
        if cid and cid in seen_courses:
            checker.error(r.location, f"研修ID {cid} が重複しています ({seen_courses[cid]} と同じ)")
            continue
        seen_courses[cid] = r.location
        course = checker.course(r, tuple(by_course.get(cid, ())), cid in with_rows)
        if course is not None:
            courses[cid] = course
    return CatalogueLoad(Catalogue(courses.values(), checker.warnings), checker.errors, checker.warnings)


def build_catalogue(path: Path) -> Catalogue:
    """Load the catalogue or raise :class:`BuildError` listing every problem."""
    result = load_catalogue(path)
    check_build(result.errors, result.warnings, "研修カタログ")
    return result.catalogue

