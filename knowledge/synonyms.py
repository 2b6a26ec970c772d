"""The synonym dictionary: groups of words that mean the same thing.

The file is named ``synonyms``, 同義語, 表記ゆれ (表記揺れ) or 類義語, in YAML, CSV or Excel.
In CSV or Excel, one group per row: the canonical term in a column 「代表語」 and the others in
「言い換え」, several to a cell (separated by 「、」, ``|`` or line breaks)::

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

Validation: an empty group, a term in two groups (compared after character folding, so
ＶＰＮ and VPN collide) and non-text terms are errors; a group with one term or the same term
written twice in its group is a warning (spellings that merely fold alike, such as プリンタ and
プリンター, are fine). Every message names the file and line (or sheet and row).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.sources import (
    TABLE_SUFFIXES,
    DataFileError,
    Location,
    cell_text,
    read_records,
    split_words,
    unknown_columns,
)

SYNONYM_STEMS = ("synonyms", "同義語", "表記ゆれ", "表記揺れ", "類義語")
COLUMNS = {
    "代表語": "canonical", "代表": "canonical", "用語": "canonical", "正式名称": "canonical",
    "canonical": "canonical", "term": "canonical",
    "言い換え": "variants", "同義語": "variants", "表記ゆれ": "variants", "類義語": "variants",
    "別名": "variants", "variants": "variants", "synonyms": "variants",
}
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
    """Whether ``path`` is named as the synonym dictionary (``synonyms.yaml``, 同義語.xlsx …)."""
    stem = unicodedata.normalize("NFKC", path.stem).casefold()
    return stem in SYNONYM_STEMS and path.suffix.lower() in TABLE_SUFFIXES


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
    """One group per row of a CSV or Excel table: 代表語, then 言い換え (several to a cell)."""
    notes: list[str] = []
    try:
        records = read_records(path, COLUMNS, required=("canonical",), notes=notes)
    except DataFileError as exc:
        load.errors.append(str(exc))
        return []
    load.warnings += notes + unknown_columns(records, ("canonical", "variants"))
    return [
        ([(t, r.location) for t in (cell_text(r, "canonical"), *split_words(r.get("variants"))) if t],
         r.location)
        for r in records
    ]


def load_synonyms(path: Path) -> SynonymLoad:
    """Read and validate a synonym file; the groups are usable only without errors."""
    from knowledge.normalize import fold_chars

    load = SynonymLoad()
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    groups = _yaml_groups(path, load) if is_yaml else _table_groups(path, load)
    seen: dict[str, Location] = {}
    for terms, group_loc in groups:
        if not terms:
            load.errors.append(f"{group_loc}: 同義語のグループが空です")
            continue
        if len(terms) == 1:
            load.warnings.append(f"{group_loc}: 「{terms[0][0]}」だけのグループは意味がありません")
        kept: list[str] = []
        in_group: set[str] = set()
        for term, loc in terms:
            key = fold_chars(term)
            if term in kept:
                load.warnings.append(f"{loc}: 「{term}」が同じグループに 2 回あります")
                continue
            if key in in_group:  # a spelling the normaliser already folds (プリンタ/プリンター)
                kept.append(term)
                continue
            if key in seen:
                load.errors.append(
                    f"{loc}: 「{term}」が 2 つのグループにあります (もう一方: {seen[key]})"
                )
                continue
            seen[key] = loc
            in_group.add(key)
            kept.append(term)
        if kept:
            load.groups.append(SynonymGroup(tuple(kept), group_loc))
    return load
