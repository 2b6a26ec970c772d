"""The synonym dictionary: groups of words that mean the same thing.

The file is named ``synonyms``, 同義語, 表記ゆれ (表記揺れ) or 類義語, optionally followed by
リスト, 辞書, 一覧 or 表 (同義語.xlsx, 表記ゆれ辞書.csv); it is YAML, CSV or Excel. In CSV or Excel, one group per row: the canonical
term in a column 「代表語」 and the others in 「言い換え」, several to a cell (separated by 「、」,
``|`` or line breaks) or one to a column (言い換え1, 言い換え2, …, or 言い換え in several columns,
also under one header cell merged across them)::

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

Rows or groups with the same canonical term are one group; a row whose canonical term is in an
earlier group, or which names the word of an earlier one-word group, joins that group (a
warning). Validation: an empty group and non-text terms are errors; any other term in two groups
(compared after character folding, so ＶＰＮ and VPN collide) stays in the first and is a
warning, as are a group with one term, a group with nothing to match (「ー」) and the same
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

_NAME = re.compile(r"(?:synonyms?|同義語|表記ゆれ|表記揺れ|類義語)(?:リスト|辞書|一覧|表)?")
_CANONICAL = ("代表語", "代表", "用語", "正式名称", "正式名", "canonical", "term")
_VARIANTS = ("言い換え", "言換え", "同義語", "表記ゆれ", "表記揺れ", "類義語", "別名", "略称", "略語", "別表記",
             "別の言い方", "ほかの言い方", "variants", "synonyms")
# Each variant column name is a field of its own (言い換え and 略称 side by side are both read).
COLUMNS = {**dict.fromkeys(_CANONICAL, "canonical"), **{n: f"variants:{n}" for n in _VARIANTS}}
_REPEATED = frozenset(f"variants:{n}" for n in _VARIANTS)  # 言い換え | 言い換え | 言い換え is fine
_NOTE_COLUMNS = {"メモ", "備考", "説明", "注記", "補足", "コメント", "memo", "note", "notes"}
# 言い換え1, 言い換え_2, 言い換え①, and a column's copy told apart by the reader (言い換え（複数可）#2)
_NUMBERED = re.compile(r"(?:[\s_\-#]*(?:[0-9]+|[①-⑳]))+$")
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


def _stem(path: Path) -> str:
    return unicodedata.normalize("NFKC", path.stem).casefold().strip()


def is_synonym_file(path: Path) -> bool:
    """Whether ``path`` is named as the synonym dictionary: ``synonyms.yaml``, 同義語.xlsx,
    表記ゆれ辞書.csv, 同義語リスト.xlsx (not 同義語 - コピー.xlsx, a copy left beside it)."""
    return bool(_NAME.fullmatch(_stem(path))) and path.suffix.lower() in TABLE_SUFFIXES


_COPY = re.compile(r"[\s\-_ー(]*(?:コピー|copy|old|旧|bak|backup|バックアップ|[0-9]+)")


def named_like_dictionary(path: Path) -> bool:
    """Whether a file is named as a copy of the dictionary (同義語 - コピー.csv, 同義語(2).xlsx,
    表記ゆれ_旧.csv), not as an FAQ about it (同義語の使い方FAQ.csv)."""
    stem = _stem(path)
    name = _NAME.match(stem)
    return name is not None and bool(_COPY.match(stem, name.end())) and not is_synonym_file(path)


def _variant_column(key: str) -> bool:
    """Whether a column holds variants (言い換え, 略称, 言い換え2, 言い換え(2), 別名③)."""
    named = canonical_key(_NUMBERED.sub("", unicodedata.normalize("NFKC", key)), COLUMNS, loose=True)
    return named.startswith("variants:")


def _variant_key(key: str) -> bool:
    """Whether a YAML key of a group holds variants (terms:, 言い換え:, 略称:, 言い換え2:)."""
    return key in _TERM_KEYS or key in _VARIANTS or _variant_column(key)


def _note_column(key: str) -> bool:
    """Whether a column holds the admin's notes (メモ, 備考1, メモ欄, ＭＥＭＯ)."""
    name = _NUMBERED.sub("", unicodedata.normalize("NFKC", key)).casefold().strip()
    return name.removesuffix("欄") in _NOTE_COLUMNS


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalars(node: yaml.Node | None, name: str, load: SynonymLoad, *, split: bool = False) -> list[tuple[str, int]]:
    """Terms of a sequence (or a single scalar) node with their lines; ``split``: a group
    written as one line of text (「- パワポ, PowerPoint」 without brackets) is its words."""
    if node is None:
        return []
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    terms = []
    for item in items:
        if isinstance(item, yaml.ScalarNode):
            text = str(item.value).strip()
            words = split_words(text) if split else [text] if text else []
            terms += [(word, _line(item)) for word in words]
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
    if _one_group(root):
        return [_item_group(root, name, load)]  # one group written without its 「- 」
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
    return [
        _item_group(item, name, load) if isinstance(item, yaml.MappingNode)
        else (_scalars(item, name, load, split=isinstance(item, yaml.ScalarNode)), _line(item))
        for item in groups_node.value
    ]


def _one_group(root: yaml.Node) -> bool:
    """Whether a top-level mapping is one group's keys (代表語, 言い換え, メモ), not a mapping
    of canonical terms to their variants (in which 代表 or 用語 may well be a term)."""
    if not isinstance(root, yaml.MappingNode) or _mapping_get(root, *_CANONICAL) is None:
        return False
    keys = [str(k.value).strip() for k, _ in root.value if isinstance(k, yaml.ScalarNode)]
    canonical = [k for k in keys if k in _CANONICAL]
    others = [k for k in keys if k not in _CANONICAL]
    return len(canonical) == 1 and all(
        _variant_key(k) or _note_column(k) for k in others
    ) and not any(k in _LIST_KEYS for k in others)


def _item_group(item: yaml.MappingNode, name: str, load: SynonymLoad) -> tuple[list, int]:
    """One group written as keys: 代表語 (canonical) and every variant key (言い換え, 略称 …)."""
    terms = _scalars(_mapping_get(item, *_CANONICAL), name, load)
    for key, value in item.value:
        text = str(key.value).strip() if isinstance(key, yaml.ScalarNode) else ""
        if text in _CANONICAL:
            continue
        if _variant_key(text):
            terms += _scalars(value, name, load)
        elif not _note_column(text):
            load.warnings.append(f"{Location(name, _line(key))}: 知らない項目「{text}」は読み飛ばします")
    return terms, _line(item)


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
        records = read_records(path, COLUMNS, required=("canonical",), notes=notes, repeated=_REPEATED)
    except DataFileError as exc:
        load.errors.append(str(exc))
        return []
    keys = list(dict.fromkeys(k for r in records for k in r.data))  # in column order
    variant_keys = [k for k in keys if k.startswith("variants:") or _variant_column(k)]
    quiet = [*variant_keys, *(k for k in keys if _note_column(k))]
    load.warnings += notes + unknown_columns(records, ("canonical", *quiet))
    groups = []
    for r in records:
        canonical = split_words(cell_text(r, "canonical"))
        variants = [w for k in variant_keys for w in split_words(r.get(k))]
        if not canonical and variants:
            load.warnings.append(f"{r.location}: 代表語が空なので、「{variants[0]}」を代表語にしました")
        if canonical or variants:  # a row with only a note is no group
            groups.append(([(t, r.location) for t in (*canonical, *variants)], r.location))
    return groups


def load_synonyms(path: Path) -> SynonymLoad:
    """Read and validate a synonym file; the groups are usable only without errors."""
    from knowledge.normalize import drop_okurigana, fold_chars

    def fold(term: str) -> str:  # as the term folder compares terms (申込み is 申込)
        return drop_okurigana(fold_chars(term))

    load = SynonymLoad()
    try:
        if path.stat().st_size == 0:  # a save cut short: the whole dictionary would go unnoticed
            load.errors.append(f"{path.name}: ファイルが空です (0 バイト)。辞書を書いて保存し直すか、"
                               "要らなければ削除してください")
            return load
    except OSError as exc:
        load.errors.append(f"{path.name}: 読み込めません ({exc.strerror or exc})")
        return load
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    groups = _yaml_groups(path, load) if is_yaml else _table_groups(path, load)
    seen: dict[str, tuple[Location, int]] = {}  # folded term -> where, and its group
    merged: list[tuple[list[str], Location]] = []
    for terms, group_loc in groups:
        if not terms:
            load.errors.append(f"{group_loc}: 同義語のグループが空です")
            continue
        keyed = [(term, loc, fold(term)) for term, loc in terms]
        if not any(key for _, _, key in keyed):
            load.warnings.append(f"{group_loc}: 「{'、'.join(t for t, _, _ in keyed)}」"
                                 "には照合に使える文字がないので読み飛ばします")
            continue
        # a row whose 代表語 is a word of an earlier group adds its words to that group, as does
        # a row naming the word of an earlier one-word group (「A」, then 「B、A」); any other
        # word met again stays where it was (「在宅、リモート接続」 must not make 在宅 a VPN)
        lead = 0 if keyed[0][2] in seen else next(
            (i for i, (_, _, key) in enumerate(keyed)
             if key in seen and len(merged[seen[key][1]][0]) == 1), None)
        if lead is None:
            index = len(merged)
            merged.append(([], group_loc))
        else:
            term, loc, key = keyed[lead]
            found, index = seen[key]
            canonical = merged[index][0][0]
            if lead or fold(canonical) != key:  # not merely the same 代表語 again
                load.warnings.append(
                    f"{loc}: 「{term}」は {found} のグループにあるので、この行の言葉も"
                    f"そのグループ (代表語「{canonical}」) に入れます"
                )
        kept = merged[index][0]
        for i, (term, loc, key) in enumerate(keyed):
            owner = seen.get(key)
            if not key or i == lead:
                continue  # nothing left to match (「ー」), or the word that led to the group
            if owner is not None and owner[1] != index:
                load.warnings.append(
                    f"{loc}: 「{term}」は別のグループ ({owner[0]}) にもあるので、そちらだけに入れます"
                )
            elif term in kept:
                if lead is None:  # a row joining a group may repeat its words
                    load.warnings.append(f"{loc}: 「{term}」が同じグループに 2 回あります")
            else:  # new, or a spelling the normaliser folds alike (プリンタ beside プリンター)
                seen.setdefault(key, (loc, index))
                kept.append(term)
    for kept, loc in merged:
        if len(kept) == 1:
            load.warnings.append(f"{loc}: 「{kept[0]}」だけのグループで、言い換えがありません。同じ意味の言葉を同じグループに並べてください (1 語だけでは、この言葉の一部がほかの言葉に置き換わらないようにするだけです)")
    load.groups = [SynonymGroup(tuple(kept), loc) for kept, loc in merged if kept]
    return load
