"""The organisation directory: units (所属), staff (職員) and roles (役割) from admin files.

Admins keep three tables, either as separate files named ``units.*``, ``staff.*`` and
``roles.*`` (YAML, CSV or XLSX) or as one workbook with the sheets 所属 / 職員 / 役割.
:func:`load_directory` reads them and collects every problem with its location;
:func:`build_directory` is the ``build(path)`` function for live reloading.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from knowledge.live import check_build
from knowledge.sources import (
    CODE_MAX,
    EXCEL_SUFFIXES,
    DataFileError,
    Location,
    Record,
    cell_text,
    load_yaml,
    read_records,
    shown_sheets,
    split_multi,
    table_files,
    too_long,
    unknown_columns,
    unreadable_files,
)

log = logging.getLogger(__name__)

#: Staff levels (職位), from the most junior up. The catalogue uses the same names.
TIERS: tuple[str, ...] = ("新規採用職員", "主事・技師", "主任", "主査", "課長補佐・班長", "所属長")

#: Support roles and their Japanese labels.
ROLE_LABELS: Mapping[str, str] = {
    "promoter": "デジタル活用推進員",
    "specialist": "DX推進スペシャリスト",
    "helpdesk": "ヘルプデスク",
    "admin": "管理者",
}
ROLES: tuple[str, ...] = tuple(ROLE_LABELS)

_TIER_ALIASES = {
    "新規採用": "新規採用職員",
    "新採": "新規採用職員",
    "主事": "主事・技師",
    "技師": "主事・技師",
    "主事技師": "主事・技師",
    "課長補佐": "課長補佐・班長",
    "班長": "課長補佐・班長",
    "課長補佐班長": "課長補佐・班長",
    "課長": "所属長",
}
_ROLE_ALIASES = {
    "推進員": "promoter",
    "スペシャリスト": "specialist",
    "dx推進スペシャリスト": "specialist",
    "デジタル活用推進員": "promoter",
    "ヘルプデスク": "helpdesk",
    "管理者": "admin",
}

UNIT_ALIASES = {
    "所属コード": "code",
    "所属名": "name",
    "部局コード": "department_code",
    "部局名": "department_name",
    "よみ": "kana",
    "読み": "kana",
    "よみがな": "kana",
    "ふりがな": "kana",
    "別名": "aliases",
}
STAFF_ALIASES = {
    "upn": "upn",
    "メールアドレス": "upn",
    "メール": "upn",
    "email": "upn",
    "aadオブジェクトid": "aad_object_id",
    "オブジェクトid": "aad_object_id",
    "aad_object_id": "aad_object_id",
    "氏名": "name",
    "名前": "name",
    "所属コード": "unit_code",
    "職位": "tier",
}
ROLE_ALIASES_HEADERS = {
    "役割": "role",
    "upn": "upn",
    "メールアドレス": "upn",
    "メール": "upn",
    "所属コード": "unit_code",
    "部局コード": "department_code",
    "順位": "order",
    "順番": "order",
    "優先順位": "order",
}


def fold(text: str) -> str:
    """Normalise for matching: NFKC, lower case, katakana to hiragana, no spaces."""
    s = unicodedata.normalize("NFKC", str(text)).lower()
    s = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in s)
    return "".join(s.split())


_FOLDED_ROLE_ALIASES = {fold(k): v for k, v in _ROLE_ALIASES.items()}
_NUMERIC = re.compile(r"[0-9]+")  # ASCII digits only: int() refuses some of what isdigit() takes


def numbered(codes: Iterable[str]) -> dict[int, list[str]]:
    """The numeric codes among ``codes`` by value: 1, 01 and 001 are one value."""
    index: dict[int, list[str]] = defaultdict(list)
    for code in codes:
        if _NUMERIC.fullmatch(code):
            index[int(code)].append(code)
    return index


def tier_words(tier: str) -> tuple[str, ...]:
    """Other ways staff write a tier (「主事」「技師」 for 主事・技師)."""
    return tuple(alias for alias, canonical in _TIER_ALIASES.items() if canonical == tier)


def normalize_tier(value: Any) -> str | None:
    """The canonical tier for ``value`` (``主事`` → ``主事・技師``), or None if unknown."""
    s = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").replace("　", "")
    if s in TIERS:
        return s
    s = s.replace("･", "・").replace("/", "・")
    if s in TIERS:
        return s
    return _TIER_ALIASES.get(s.replace("・", ""))


def normalize_role(value: Any) -> str | None:
    """The canonical role for ``value`` (``デジタル活用推進員`` → ``promoter``), or None."""
    s = fold(value)
    return s if s in ROLE_LABELS else _FOLDED_ROLE_ALIASES.get(s)


# ---------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Unit:
    """A section (所属) and the department (部局) it belongs to."""

    code: str
    name: str
    department_code: str
    department_name: str
    kana: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Person:
    """A member of staff; ``upn`` is lower case."""

    upn: str
    name: str
    unit_code: str
    tier: str
    aad_object_id: str | None = None


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """One row of the roles table: ``upn`` has ``role`` for a unit or a department."""

    role: str
    upn: str
    unit_code: str | None = None
    department_code: str | None = None
    order: int | None = None


_UPN = re.compile(r"[^@\s,;|]+@[^@\s,;|]+\.[^@\s,;|]+")

class Directory:
    """Look-ups over units, staff and support roles."""

    def __init__(
        self,
        units: Iterable[Unit],
        people: Iterable[Person],
        assignments: Iterable[RoleAssignment],
        warnings: Iterable[str] = (),
    ) -> None:
        self.warnings = tuple(warnings)  # of the files it was loaded from (for the admin status)
        self.units: dict[str, Unit] = {u.code: u for u in units}
        self.people: dict[str, Person] = {p.upn: p for p in people}
        self._by_aad = {p.aad_object_id: p for p in self.people.values() if p.aad_object_id}
        self._roles: dict[str, set[str]] = defaultdict(set)
        scoped: dict[tuple[str, str | None], list[tuple[int, int, Person]]] = defaultdict(list)
        for index, a in enumerate(assignments):
            person = self.people.get(a.upn)
            if person is None:
                continue
            self._roles[a.upn].add(a.role)
            scope = a.unit_code if a.role == "promoter" else a.department_code
            if a.role in ("helpdesk", "admin"):
                scope = None
            order = a.order if a.order is not None else 1_000_000
            scoped[(a.role, scope)].append((order, index, person))
        self._scoped = {key: [p for *_, p in sorted(rows)] for key, rows in scoped.items()}
        self._match_keys: list[tuple[str, str]] = [
            (key, u.code)
            for u in self.units.values()
            for key in {fold(u.name), fold(u.kana), *(fold(a) for a in u.aliases)}
            if key
        ]
        self._match_choices = [key for key, _ in self._match_keys]
        kinds = (("unit", self.units), ("department", {u.department_code for u in self.units.values()}))
        self._numbered = {
            (kind, value): alike[0]
            for kind, codes in kinds
            for value, alike in numbered(codes).items()
            if len(alike) == 1
        }

    def _code(self, kind: str, code: str) -> str:
        """A code kept elsewhere (a profile, a ticket) as the directory now spells it: 1 is 001
        after the admin formatted the codes 000 (when only one code is that number)."""
        if not _NUMERIC.fullmatch(code):
            return code
        return self._numbered.get((kind, int(code)), code)

    def __len__(self) -> int:
        """The number of staff (what the live-reload status shows)."""
        return len(self.people)

    def unit(self, code: str) -> Unit | None:
        return self.units.get(code) or self.units.get(self._code("unit", code))

    def department_units(self, department_code: str) -> list[Unit]:
        code = self._code("department", department_code)
        return [u for u in self.units.values() if u.department_code == code]

    def person_by_aad(self, aad_object_id: str | None) -> Person | None:
        return self._by_aad.get(aad_object_id.strip().lower()) if aad_object_id else None

    def person_by_upn(self, upn: str | None) -> Person | None:
        return self.people.get(upn.strip().lower()) if upn else None

    def identify(self, aad_object_id: str | None, upn: str | None) -> Person | None:
        """The person with this AAD object id, else with this UPN (case-insensitive)."""
        return self.person_by_aad(aad_object_id) or self.person_by_upn(upn)

    def promoters(self, unit_code: str) -> list[Person]:
        """The unit's デジタル活用推進員, primary first."""
        return list(self._scoped.get(("promoter", self._code("unit", unit_code)), ()))

    def specialists(self, department_code: str) -> list[Person]:
        """The department's DX推進スペシャリスト, primary first."""
        return list(self._scoped.get(("specialist", self._code("department", department_code)), ()))

    def heads(self, unit_code: str) -> list[Person]:
        """The unit's 所属長: its staff whose 職位 is 所属長."""
        code = self._code("unit", unit_code)
        return sorted((p for p in self.people.values() if p.unit_code == code and p.tier == "所属長"),
                      key=lambda p: p.upn)

    def helpdesk(self) -> list[Person]:
        return list(self._scoped.get(("helpdesk", None), ()))

    def admins(self) -> list[Person]:
        return list(self._scoped.get(("admin", None), ()))

    def roles_of(self, upn: str) -> set[str]:
        return set(self._roles.get(upn.strip().lower(), ()))

    def is_admin(self, upn: str) -> bool:
        return "admin" in self.roles_of(upn)

    def escalation_chain(self, unit_code: str) -> list[tuple[str, list[Person]]]:
        """Who to ask, level by level: promoters → specialists → helpdesk (empty levels skipped)."""
        unit = self.unit(unit_code)
        levels = [
            ("promoter", self.promoters(unit_code)),
            ("specialist", self.specialists(unit.department_code) if unit else []),
            ("helpdesk", self.helpdesk()),
        ]
        return [(level, people) for level, people in levels if people]

    def find_units(self, text: str, limit: int = 3, cutoff: float = 70.0) -> list[tuple[Unit, float]]:
        """Units whose name, reading or alias resembles ``text`` (総務課, そうむ, ＤＸ推進課)."""
        query = fold(text)
        if not query:
            return []
        best: dict[str, float] = {}
        for _key, score, index in process.extract(
            query, self._match_choices, scorer=fuzz.WRatio,
            processor=None, limit=None, score_cutoff=cutoff,
        ):
            code = self._match_keys[index][1]
            best[code] = max(best.get(code, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [(self.units[code], score) for code, score in ranked[:limit]]


# ---------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class _Table:
    label: str
    stems: tuple[str, ...]
    aliases: Mapping[str, str]
    required: tuple[str, ...]


_TABLES: dict[str, _Table] = {
    "units": _Table("所属", ("units", "unit", "所属"), UNIT_ALIASES, ("code", "name")),
    "staff": _Table("職員", ("staff", "people", "職員"), STAFF_ALIASES, ("upn", "unit_code")),
    "roles": _Table("役割", ("roles", "role", "役割"), ROLE_ALIASES_HEADERS, ("role", "upn")),
}


@dataclass(slots=True)
class DirectoryLoad:
    """The outcome of reading the directory files: the data, errors and warnings."""

    directory: Directory
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _read_table(path: Path, kind: str, shared: bool, notes: list[str] | None = None) -> list[Record]:
    """Read one kind of table; from a shared workbook or YAML file, only its sheet or key."""
    spec = _TABLES[kind]
    suffix = path.suffix.lower()
    names = {fold(kind), fold(spec.label), *(fold(s) for s in spec.stems)}

    def named(title: str) -> bool:
        return fold(title) in names

    if not shared:
        keys = (kind, spec.label, "entries", "items")
        try:  # every sheet with the table's header (所属 and 出先機関, say)
            return read_records(path, spec.aliases, yaml_list_keys=keys, required=spec.required, notes=notes,
                                as_shown=True)
        except DataFileError as exc:
            # another list beside the table (部局一覧) whose columns look like a broken header:
            # when a shown sheet is named for the table, only that sheet is read
            where = exc.location
            beside = isinstance(where, Location) and where.sheet is not None and not named(where.sheet)
            shown = shown_sheets(path) if beside and suffix in EXCEL_SUFFIXES else []
            own = [t for t in shown if named(t)]
            if not own:
                raise
            if notes is not None:
                notes.append(f"{path.name} [シート {where.sheet}]: {spec.label}の表ではないため読みません "
                             f"(表はシート「{own[0]}」から読みます)")
            records = read_records(path, spec.aliases, required=spec.required, notes=notes, as_shown=True,
                                   sheets=named)
            for title in shown:  # and the other sheets that have the table's header
                if named(title) or title == where.sheet:
                    continue
                try:
                    records += read_records(path, spec.aliases, required=spec.required, notes=notes,
                                            as_shown=True, sheets=lambda t, title=title: t == title)
                except DataFileError:
                    continue  # notes (説明) or another list: not the table
            return records
    if suffix in EXCEL_SUFFIXES:
        # only the table's own sheet, so its header is looked for below a title row, as in a file
        return read_records(path, spec.aliases, required=spec.required, notes=notes, as_shown=True,
                            sheets=named)
    if suffix in (".yaml", ".yml"):
        doc = load_yaml(path)
        keys = [k for k in (kind, spec.label) if isinstance(doc, dict) and k in doc]
        return read_records(path, spec.aliases, yaml_list_keys=keys) if keys else []
    return []


def _read_tables(path: Path, errors: list[str], notes: list[str]) -> dict[str, list[Record]]:
    """Find and read the three tables in ``path`` (a folder, or one workbook/YAML file)."""
    files = table_files(path) if path.is_dir() else [path] if path.is_file() else []
    if not files:
        errors.append(f"{path.name}: 組織データのファイルが見つかりません")
        return {kind: [] for kind in _TABLES}
    all_stems = {stem for spec in _TABLES.values() for stem in spec.stems}
    shared = [f for f in files if not path.is_dir() or fold(f.stem) not in all_stems]
    broken: set[Path] = set()
    tables: dict[str, list[Record]] = {}
    for kind, spec in _TABLES.items():
        own = [f for f in files if path.is_dir() and fold(f.stem) in spec.stems]
        if len(own) > 1:
            names = "、".join(f.name for f in own)
            errors.append(f"{names}: {spec.label}の表が複数あります。1つにしてください")
        records: list[Record] = []
        found = bool(own)
        for f in own[:1] or [f for f in shared if f not in broken]:
            try:
                rows = _read_table(f, kind, not own, notes)
            except DataFileError as exc:
                errors.append(str(exc))
                broken.add(f)
                continue
            found = found or bool(rows)
            records.extend(rows)
        if own and not records and own[0] not in broken:  # an emptied file: keep the last good data
            errors.append(f"{own[0].name}: {spec.label}の表に行が 1 つもありません")
        for f in shared if own else ():  # a workbook left beside units.yaml ...: which one?
            try:
                also = _read_table(f, kind, shared=True)
            except DataFileError:
                continue  # reported where it is read for a table of its own
            if also:
                errors.append(
                    f"{own[0].name}、{f.name}: {spec.label}の表が両方にあります。"
                    "どちらか一方にしてください (古いほうを別のフォルダに移してください)"
                )
        if not found and not broken:
            errors.append(
                f"{path.name}: {spec.label}の表が見つかりません "
                f"({kind}.yaml / {kind}.csv / {kind}.xlsx、またはシート「{spec.label}」)"
            )
        tables[kind] = records
    return tables


class _Checker:
    """Validates the three tables into model objects, collecting errors and warnings."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.units: dict[str, tuple[Unit, Location]] = {}
        self.departments: dict[str, tuple[str, Location]] = {}
        self.people: dict[str, tuple[Person, Location]] = {}
        self.aad: dict[str, Location] = {}
        self.listed: set[str] = set()
        self.assignments: list[tuple[RoleAssignment, Location]] = []
        self._numeric: dict[int, tuple[int, dict[int, list[str]]]] = {}

    def error(self, where: Location | str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def same_code(self, code: str, known: Mapping[str, object]) -> str | None:
        """``code`` as ``known`` spells it: a numeric code also matches with or without leading
        zeros (a CSV's 「001」 is a sheet's 1 in General format), when only one code does."""
        if code in known:
            return code
        found = self.alike(code, known)
        return found[0] if len(found) == 1 else None

    def alike(self, code: str, known: Mapping[str, object]) -> list[str]:
        """The codes of ``known`` with the same numeric value as ``code`` (an index of ``known``
        is remembered while it does not grow)."""
        if not _NUMERIC.fullmatch(code):
            return []
        size, index = self._numeric.get(id(known), (-1, {}))
        if size != len(known):
            index = numbered(known)
            self._numeric[id(known)] = (len(known), index)
        return index.get(int(code), [])

    def unknown_code(self, code: str, known: Mapping[str, object], label: str, table: str) -> str:
        """The message for a code not found, naming the codes it could be when it is ambiguous."""
        alike = self.alike(code, known)
        if len(alike) > 1:
            return f"{label} {code} は {table}の {'・'.join(alike)} のどれか決められません"
        return f"{label} {code} は{table}にありません"

    def required(self, record: Record, fields: Mapping[str, str]) -> dict[str, str] | None:
        values = {key: cell_text(record, key) for key in fields}
        missing = [label for key, label in fields.items() if not values[key]]
        if missing:
            self.error(record.location, f"{'、'.join(missing)}がありません")
            return None
        return values

    def check_units(self, records: list[Record]) -> None:
        fields = {"code": "所属コード", "name": "所属名", "department_code": "部局コード",
                  "department_name": "部局名"}
        for r in records:
            v = self.required(r, fields)
            if v is None:
                continue
            for problem in (too_long("所属コード", v["code"], CODE_MAX),
                            too_long("部局コード", v["department_code"], CODE_MAX)):
                if problem:  # the unit is still kept, so that its staff are not also reported
                    self.error(r.location, problem)
            if v["code"] in self.units:
                first = self.units[v["code"]][1]
                self.error(r.location, f"所属コード {v['code']} が重複しています ({first} と同じ)")
                continue
            known = self.same_code(v["department_code"], self.departments)
            if known is not None and self.departments[known][0] == v["department_name"]:
                v["department_code"] = known  # 01 and 1 with one name: one department
            elif known is not None and known != v["department_code"]:
                self.warnings.append(
                    f"{r.location}: 部局コード {v['department_code']}「{v['department_name']}」と "
                    f"{known}「{self.departments[known][0]}」({self.departments[known][1]}) は、"
                    "部局名が違うので別の部局として読みました"
                )
            dept = self.departments.setdefault(v["department_code"], (v["department_name"], r.location))
            if dept[0] != v["department_name"]:
                self.error(
                    r.location,
                    f"部局コード {v['department_code']} の部局名「{v['department_name']}」が "
                    f"{dept[1]} の「{dept[0]}」と異なります",
                )
            unit = Unit(v["code"], v["name"], v["department_code"], v["department_name"],
                        kana=cell_text(r, "kana"), aliases=tuple(split_multi(r.get("aliases"))))
            self.units[unit.code] = (unit, r.location)

    def check_staff(self, records: list[Record]) -> None:
        fields = {"upn": "UPN", "name": "氏名", "unit_code": "所属コード", "tier": "職位"}
        for r in records:
            v = self.required(r, fields)
            if v is None:
                continue
            upn = v["upn"].lower()
            ok = True
            self.listed.add(upn)
            if not _UPN.fullmatch(upn):  # one address: name@domain, no spaces or separators
                self.error(r.location, f"UPN「{v['upn']}」はメールアドレスの形式ではありません")
                ok = False
            unit_code = self.same_code(v["unit_code"], self.units)
            if unit_code is None:
                self.error(r.location, self.unknown_code(v["unit_code"], self.units, "所属コード", "所属一覧"))
                ok = False
            tier = normalize_tier(v["tier"])
            if tier is None:
                self.error(r.location, f"職位「{v['tier']}」は使えません (使える値: {'、'.join(TIERS)})")
                ok = False
            aad = cell_text(r, "aad_object_id").lower() or None
            if aad is not None:
                try:
                    aad = str(uuid.UUID(aad))
                except ValueError:
                    self.error(r.location, f"AADオブジェクトID「{aad}」の形式が正しくありません")
                    ok = False
            if upn in self.people:
                first = self.people[upn][1]
                self.error(r.location, f"UPN {upn} が重複しています ({first} と同じ)")
                ok = False
            if aad is not None and aad in self.aad:
                self.error(r.location, f"AADオブジェクトID {aad} が重複しています ({self.aad[aad]} と同じ)")
                ok = False
            if ok and tier is not None:
                person = Person(upn, v["name"], unit_code or v["unit_code"], tier, aad)
                self.people[upn] = (person, r.location)
                if aad is not None:
                    self.aad[aad] = r.location

    def check_roles(self, records: list[Record]) -> None:
        seen_order: dict[tuple[str, str | None, int], Location] = {}
        seen: dict[tuple[str, str | None, str], Location] = {}
        for r in records:
            v = self.required(r, {"role": "役割", "upn": "UPN"})
            if v is None:
                continue
            role = normalize_role(v["role"])
            upn = v["upn"].lower()
            ok = True
            if role is None:
                labels = "、".join(f"{k} ({label})" for k, label in ROLE_LABELS.items())
                self.error(r.location, f"役割「{v['role']}」は使えません (使える値: {labels})")
                ok = False
            if upn not in self.listed:
                self.error(r.location, f"UPN {upn} は職員一覧にいません")
            ok = ok and upn in self.people  # a listed person with errors is reported there
            order = self._order(r)
            ok = ok and order != -1
            scope = self._scope(r, role)
            if not ok or scope is False:
                continue
            if (role, scope, upn) in seen:
                self.error(r.location, f"同じ役割の行が重複しています ({seen[(role, scope, upn)]} と同じ)")
                continue
            seen[(role, scope, upn)] = r.location
            if order is not None:
                if (role, scope, order) in seen_order:
                    first = seen_order[(role, scope, order)]
                    self.error(r.location, f"順位 {order} が重複しています ({first} と同じ)")
                    continue
                seen_order[(role, scope, order)] = r.location
            unit_code = scope if role == "promoter" else None
            dept = scope if role == "specialist" else None
            self.assignments.append((RoleAssignment(role, upn, unit_code, dept, order), r.location))

    def _order(self, r: Record) -> int | None:
        """The order as a positive int, None when blank, -1 (after an error) when invalid."""
        raw = cell_text(r, "order")
        if not raw:
            return None
        if raw.isdigit() and int(raw) > 0:
            return int(raw)
        self.error(r.location, f"順位「{raw}」は 1 以上の整数にしてください")
        return -1

    def _scope(self, r: Record, role: str | None) -> str | bool | None:
        """The unit (promoter) or department (specialist) of a role row; False after an error."""
        if role == "promoter":
            code = cell_text(r, "unit_code")
            if not code:
                self.error(r.location, "デジタル活用推進員の行には所属コードが必要です")
                return False
            known = self.same_code(code, self.units)
            if known is None:
                self.error(r.location, self.unknown_code(code, self.units, "所属コード", "所属一覧"))
                return False
            return known
        if role == "specialist":
            code = cell_text(r, "department_code")
            if not code:
                self.error(r.location, "DX推進スペシャリストの行には部局コードが必要です")
                return False
            known = self.same_code(code, self.departments)
            if known is None:
                self.error(r.location, self.unknown_code(code, self.departments, "部局コード", "所属一覧"))
                return False
            return known
        return None

    def check_coverage(self) -> None:
        promoted = {a.unit_code for a, _ in self.assignments if a.role == "promoter"}
        specialised = {a.department_code for a, _ in self.assignments if a.role == "specialist"}
        for code, (unit, where) in self.units.items():
            if code not in promoted:
                self.warnings.append(
                    f"{where}: 所属「{unit.name}」({code}) にデジタル活用推進員がいません "
                    "(問い合わせは DX推進スペシャリストに直接回ります)"
                )
        for code, (name, where) in self.departments.items():
            if code not in specialised:
                self.warnings.append(f"{where}: 部局「{name}」({code}) に DX推進スペシャリストがいません")
        roles = {a.role for a, _ in self.assignments}
        for role in ("helpdesk", "admin"):
            if role not in roles:
                self.warnings.append(f"{ROLE_LABELS[role]}が登録されていません")


def load_directory(path: Path) -> DirectoryLoad:
    """Read and validate the directory in ``path`` (a folder or one workbook)."""
    checker = _Checker()
    notes: list[str] = []
    tables = _read_tables(path, checker.errors, notes)
    checker.warnings += unreadable_files(path) + list(dict.fromkeys(notes))  # a workbook is read per table
    for kind, records in tables.items():
        checker.warnings += unknown_columns(records, _TABLES[kind].aliases.values())
    checker.check_units(tables["units"])
    checker.check_staff(tables["staff"])
    checker.check_roles(tables["roles"])
    checker.check_coverage()
    directory = Directory(
        (u for u, _ in checker.units.values()),
        (p for p, _ in checker.people.values()),
        (a for a, _ in checker.assignments),
        checker.warnings,
    )
    return DirectoryLoad(directory, checker.errors, checker.warnings)


def build_directory(path: Path) -> Directory:
    """Load the directory or raise :class:`BuildError` listing every problem."""
    result = load_directory(path)
    check_build(result.errors, result.warnings, "組織データ")
    return result.directory
