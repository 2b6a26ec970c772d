"""The synonym dictionary: groups of words that mean the same thing.

The file's name starts with ``synonyms``, 同義語, 表記ゆれ (表記揺れ) or 類義語 (同義語.xlsx,
同義語リスト.csv); it is YAML, CSV or Excel. In CSV or Excel, one group per row: the canonical
term in a column 「代表語」 and the others in 「言い換え」, several to a cell (separated by 「、」,
``|`` or line breaks) or one to a column (言い換え1, 言い換え2, …)::

    代表語,言い換え
    パソコン,PC、端末、ノートPC

Accepted YAML layouts (the first term of a group is its canonical form)::

    groups:                       # or "synonyms:", or the list at the top level
      - [VPN, リモート接続, 庁外接続]
      - terms: [Teams, チームズ]
      - canonical: 申込
        variants: [申し込み, 申請]

    # or a plain mapping: canonical term → its variants
    VPN: [リモート接続, 庁外接続]

Rows or groups with the same canonical term are one group. Validation: an empty group and
non-text terms are errors; a term in two groups (compared after character folding, so ＶＰＮ
and VPN collide) stays in the first and is a warning, as are a group with one term and the same
term written twice in its group (spellings that merely fold alike, such as プリンタ and
プリンター, are fine). Every message names the file and line (or sheet and row).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.sources import (
    TABLE_SUFFIXES,
    DataFileError,
    Location,
    canonical_key,
    cell_text,
    read_records,
    split_words,
    unknown_columns,
)

SYNONYM_STEMS = ("synonyms", "同義語", "表記ゆれ", "表記揺れ", "類義語")
COLUMNS = {
    "代表語": "canonical", "代表": "canonical", "用語": "canonical", "正式名称": "canonical",
    "正式名": "canonical", "canonical": "canonical", "term": "canonical",
    "言い換え": "variants", "同義語": "variants", "表記ゆれ": "variants", "類義語": "variants",
    "別名": "variants", "略称": "variants", "略語": "variants", "別表記": "variants",
    "別の言い方": "variants", "ほかの言い方": "variants", "variants": "variants",
    "synonyms": "variants",
}
_NOTE_COLUMNS = {"メモ", "備考", "説明", "注記", "補足", "コメント", "memo", "note", "notes"}
_NUMBERED = re.compile(r"[\s_\-]*[0-9０-９]+$")  # 言い換え1, 言い換え_2
_LIST_KEYS = ("groups", "synonyms", "entries")
_TERM_KEYS = ("terms", "words", "synonyms")


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    """One group of interchangeable terms; ``terms[0]`` is the canonical one."""

    terms: tuple[str, ...]
    location: Location | None = field(default=None, compare=False)


@dataclass(slots=True)
class SynonymLoad:
    groups: list[SynonymGroup] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_synonym_file(path: Path) -> bool:
    """Whether ``path`` is named as the synonym dictionary (``synonyms.yaml``, 同義語.xlsx,
    同義語リスト.csv, 表記ゆれ_2026.xlsx …)."""
    stem = unicodedata.normalize("NFKC", path.stem).casefold()
    return stem.startswith(SYNONYM_STEMS) and path.suffix.lower() in TABLE_SUFFIXES


def _variant_column(key: str) -> bool:
    """Whether a further column holds variants too (言い換え2, 言い換え(2), 別名3)."""
    return canonical_key(_NUMBERED.sub("", key), COLUMNS, loose=True) == "variants"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalars(node: yaml.Node | None, name: str, load: SynonymLoad) -> list[tuple[str, int]]:
    """Terms of a sequence (or a single scalar) node with their lines."""
    if node is None:
        return []
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    terms = []
    for item in items:
        if isinstance(item, yaml.ScalarNode):
            text = str(item.value).strip()
            if text:
                terms.append((text, _line(item)))
        else:
            load.errors.append(f"{Location(name, _line(item))}: 同義語は文字で書いてください")
    return terms


def _mapping_get(node: yaml.MappingNode, *keys: str) -> yaml.Node | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value in keys:
            return value_node
    return None


def _raw_groups(root: yaml.Node, name: str, load: SynonymLoad) -> list[tuple[list, int]]:
    """(terms with lines, group line) for each group in any accepted layout."""
    groups_node: yaml.Node | None = root
    if isinstance(root, yaml.MappingNode):
        groups_node = _mapping_get(root, *_LIST_KEYS)
        if groups_node is None:  # canonical → variants mapping
            return [
                ([(str(k.value).strip(), _line(k)), *_scalars(v, name, load)], _line(k))
                for k, v in root.value
            ]
    if not isinstance(groups_node, yaml.SequenceNode):
        load.errors.append(f"{Location(name, _line(root))}: 同義語のグループを一覧で書いてください")
        return []
    result = []
    for item in groups_node.value:
        if isinstance(item, yaml.MappingNode):
            canonical = _mapping_get(item, "canonical", "term", "代表")
            variants = _mapping_get(item, *_TERM_KEYS, "variants", "同義語")
            terms = _scalars(canonical, name, load) + _scalars(variants, name, load)
        else:
            terms = _scalars(item, name, load)
        result.append((terms, _line(item)))
    return result


def _yaml_groups(path: Path, load: SynonymLoad) -> list[tuple[list[tuple[str, Location]], Location]]:
    name = path.name
    try:
        root = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError:
        load.errors.append(f"{name}: UTF-8 で保存してください")
        return []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        load.errors.append(f"{Location(name, mark.line + 1 if mark else None)}: "
                           f"YAML の書式エラー: {exc.problem}")
        return []
    if root is None:
        return []
    return [
        ([(term, Location(name, line)) for term, line in terms], Location(name, group_line))
        for terms, group_line in _raw_groups(root, name, load)
    ]


def _table_groups(path: Path, load: SynonymLoad) -> list[tuple[list[tuple[str, Location]], Location]]:
    """One group per row of a CSV or Excel table: 代表語, then 言い換え (several to a cell, or
    in several columns)."""
    notes: list[str] = []
    try:
        records = read_records(path, COLUMNS, required=("canonical",), notes=notes)
    except DataFileError as exc:
        load.errors.append(str(exc))
        return []
    more = {k for r in records for k in r.data if k not in COLUMNS.values() and _variant_column(k)}
    quiet = more | {k for r in records for k in r.data if k.casefold() in _NOTE_COLUMNS}
    load.warnings += notes + unknown_columns(records, ("canonical", "variants", *quiet))
    groups = []
    for r in records:
        canonical = split_words(cell_text(r, "canonical"))
        variants = [w for k in ("variants", *sorted(more)) for w in split_words(r.get(k))]
        if not canonical and variants:
            load.warnings.append(f"{r.location}: 代表語が空なので、「{variants[0]}」を代表語にしました")
        groups.append(([(t, r.location) for t in (*canonical, *variants)], r.location))
    return groups


def load_synonyms(path: Path) -> SynonymLoad:
    """Read and validate a synonym file; the groups are usable only without errors."""
    from knowledge.normalize import fold_chars

    load = SynonymLoad()
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    groups = _yaml_groups(path, load) if is_yaml else _table_groups(path, load)
    seen: dict[str, tuple[Location, int]] = {}  # folded term -> where, and its group
    merged: list[tuple[list[str], Location]] = []
    for terms, group_loc in groups:
        if not terms:
            load.errors.append(f"{group_loc}: 同義語のグループが空です")
            continue
        first = seen.get(fold_chars(terms[0][0]))
        same = first is not None and fold_chars(merged[first[1]][0][0]) == fold_chars(terms[0][0])
        if len(terms) == 1 and not same:
            load.warnings.append(f"{group_loc}: 「{terms[0][0]}」だけのグループは意味がありません")
        index = first[1] if same and first is not None else len(merged)
        if not same:  # rows with the same canonical term add to one group
            merged.append(([], group_loc))
        kept = merged[index][0]
        for term, loc in terms[1:] if same else terms:
            key = fold_chars(term)
            if term in kept:
                load.warnings.append(f"{loc}: 「{term}」が同じグループに 2 回あります")
                continue
            if key in seen and seen[key][1] != index:
                load.warnings.append(
                    f"{loc}: 「{term}」は別のグループ ({seen[key][0]}) にもあるので、そちらだけに入れます"
                )
                continue
            seen.setdefault(key, (loc, index))  # a spelling the normaliser folds alike joins too
            kept.append(term)
    load.groups = [SynonymGroup(tuple(kept), loc) for kept, loc in merged if kept]
    return load
