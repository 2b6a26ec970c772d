"""Word vectors, so that a question meets an FAQ that says the same thing in other words.

Staff write 映像 where the FAQ says カメラ, 来た where it says 届いた, 電話 where it says
問い合わせ. No character links such words; static word vectors do. The vectors are chiVe
(Works Applications, Apache-2.0; built with Sudachi on a large web corpus) as the PyPI package
``ja-ginza`` 5.3.0 ships them, reduced and stored in ``data/wordvec.npz`` by
``bench/wordvec_table.py`` (see ``data/NOTICE``). Words are the content words of
Sudachi's small dictionary (split mode C), looked up by dictionary form, normalised form, then
as written.

:class:`Side` holds what the matcher needs of an entry's question and alternates; :func:`scores`
compares a query with pooled entries. A text is analysed once and remembered, so a rebuild
re-reads only new texts. Should Sudachi or the table be missing, :func:`available` is false and
the matcher ranks without vectors.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.readings import failed_in_sudachi, sudachi_tokenizer

log = logging.getLogger(__name__)

TABLE = Path(__file__).parent / "data" / "wordvec.npz"

_CONTENT = {"名詞", "動詞", "形容詞", "形状詞"}  # nouns, verbs, adjectives, na-adjectives
_NOT_CONTENT = {"数詞", "代名詞"}  # numerals, pronouns
# light verbs and formal nouns: in every question, they say nothing of its subject
_LIGHT = frozenset((
    "する", "為る", "ある", "有る", "いる", "居る", "なる", "成る", "できる", "出来る", "くださる", "下さる",
    "いただく", "頂く", "おる", "こと", "事", "もの", "物", "ため", "為", "よう", "様", "とき", "時",
    "教える", "分かる", "わかる", "思う", "の", "ん", "方", "いい", "良い", "よい", "くれる", "もらう",
    "貰う", "みる", "見る", "いう", "言う",
))
_LONGEST = 2000  # characters of a text analysed (a pasted manual is not a question)
_LOCK = threading.Lock()  # a Sudachi tokenizer must not be used by two threads at once
Words = tuple[tuple[str, int], ...]  # (normalised form, vector row or -1) of distinct words
_WORDS: dict[str, Words] = {}  # FAQ texts analysed so far
_CACHE_LIMIT = 1_000_000


class Table:
    """Unit word vectors, by word."""

    def __init__(self, path: Path) -> None:
        with np.load(path) as data:
            words = bytes(data["words"]).decode("utf-8").split("\n")
            rows = data["rows"]
            vectors = data["vectors"].astype(np.float32)
        if rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer):
            raise ValueError(f"行番号の型が正しくありません ({rows.dtype}, {rows.ndim} 次元)")
        if vectors.ndim != 2 or not len(vectors) or rows.min() < 0 or rows.max() >= len(vectors):
            raise ValueError(f"表の形が正しくありません (ベクトル {vectors.shape}、行番号 {rows.min()}〜{rows.max()})")
        if not np.isfinite(vectors).all():
            raise ValueError("数値でない値があります")
        self.row = dict(zip(words, rows.tolist(), strict=True))
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.unit = vectors / np.where(norms > 0, norms, 1)
        self.dim = vectors.shape[1]


@cache
def _table() -> Table | None:
    try:
        return Table(TABLE)
    except Exception as exc:  # missing, cut short, or not this table: the matcher works without
        log.warning("単語ベクトル (%s) を読み込めません。ベクトルなしで照合します: %s", TABLE.name, exc)
        return None


def _tokenizer() -> Any | None:
    return sudachi_tokenizer("pos", "normalized_form", "dictionary_form")


def available() -> bool:
    """Whether the table and Sudachi can be used (loaded on first call)."""
    return _table() is not None and _tokenizer() is not None


def words(text: str, remember: bool = True) -> Words:
    """The distinct content words of a text, each with its vector row (-1: none); FAQ texts
    are remembered, queries (``remember=False``) are not."""
    found = _WORDS.get(text)
    if found is not None:
        return found
    table, tokenizer = _table(), _tokenizer()
    if table is None or tokenizer is None:
        return ()
    try:
        with _LOCK:
            morphemes = [(m.surface(), m.dictionary_form(), m.normalized_form(), pos)
                         for m in tokenizer.tokenize(unicodedata.normalize("NFKC", text)[:_LONGEST])
                         if (pos := m.part_of_speech())[0] in _CONTENT]
    except BaseException as exc:  # Sudachi refuses some input: no words, as with no table
        if not failed_in_sudachi(exc):
            raise
        morphemes = []
    out: dict[str, int] = {}
    for surface, base, normal, pos in morphemes:
        if is_content(surface, base, normal, pos):
            rows = (table.row.get(f) for f in lookup_forms(surface, base, normal))
            out.setdefault(normal.casefold(), next((r for r in rows if r is not None), -1))
    found = tuple(out.items())
    if remember:
        if len(_WORDS) >= _CACHE_LIMIT:
            _WORDS.clear()
        _WORDS[text] = found
    return found


def is_content(surface: str, base: str, normal: str, pos: Sequence[str]) -> bool:
    """Whether a morpheme (its surface, dictionary and normalised forms, part of speech) is a
    content word: a noun, verb or adjective that says something of the subject."""
    if pos[0] not in _CONTENT or pos[1] in _NOT_CONTENT or normal in _LIGHT or base in _LIGHT:
        return False
    return len(surface) > 1 or surface.isalnum()


def lookup_forms(surface: str, base: str, normal: str) -> tuple[str, ...]:
    """The forms a content word is looked up by, in order (開い: 開く; ＰＣ: PC, pc)."""
    return base, normal, surface, surface.casefold(), surface.upper()


@dataclass(frozen=True, slots=True)
class Side:
    """An entry's question side: its words, their vectors' rows, and each text's mean vector."""

    words: frozenset[str]
    rows: np.ndarray  # rows of the table's vectors of the words that have one
    means: np.ndarray  # (texts with a vector, dim): each question/alternate's direction


def side(texts: Sequence[str]) -> Side:
    """The :class:`Side` of an entry's question and alternates (as written)."""
    table = _table()
    per_text = [words(t) for t in texts]
    union = dict(w for ws in per_text for w in ws)
    rows = np.array(sorted({r for r in union.values() if r >= 0}), dtype=np.int32)
    if table is None:
        return Side(frozenset(union), rows, np.zeros((0, 0), np.float32))
    means = [m for ws in per_text if (m := _mean(table, ws)) is not None]
    return Side(frozenset(union), rows, np.vstack(means) if means else np.zeros((0, table.dim), np.float32))


def _mean(table: Table, ws: Words) -> np.ndarray | None:
    rows = [r for _, r in ws if r >= 0]
    if not rows:
        return None
    v = table.unit[rows].sum(axis=0)
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else None


def scores(query: str, sides: Sequence[Side]) -> np.ndarray | None:
    """``(len(sides), 2)``: for each entry, the cosine of the query's mean vector with its
    nearest question/alternate, and the query words' mean best likeness to its words (1 for
    the same word); each relative to the best of ``sides``. None where the vectors say nothing
    of the query (no table, or no content word in it: 「こんにちは」) or of these entries."""
    table, ws = _table(), words(query, remember=False)
    if table is None or not ws or not sides:
        return None
    out = np.zeros((len(sides), 2))
    mean = _mean(table, ws)
    if mean is not None:  # each entry's nearest question/alternate, all entries at once
        counts = np.array([len(s.means) for s in sides])
        if counts.any():
            cos = np.vstack([s.means for s in sides if len(s.means)]) @ mean
            out[counts > 0, 0] = np.maximum(np.maximum.reduceat(cos, _starts(counts[counts > 0])), 0.0)
    counts = np.array([len(s.rows) for s in sides])
    best = np.zeros((len(ws), len(sides)))
    if counts.any():  # each query word's likeness to each entry's nearest word
        found = [r for _, r in ws if r >= 0]
        sims = table.unit[found] @ table.unit[np.concatenate([s.rows for s in sides])].T
        has = np.array([r >= 0 for _, r in ws])
        nearest = np.zeros((len(found), len(sides)))
        nearest[:, counts > 0] = np.clip(np.maximum.reduceat(sims, _starts(counts[counts > 0]), axis=1), 0, 1)
        best[has] = nearest
    same = np.array([[w in s.words for s in sides] for w, _ in ws])
    out[:, 1] = np.where(same, 1.0, best).mean(axis=0)
    top = out.max(axis=0)
    if not top.all():
        return None
    return out / top


def _starts(counts: np.ndarray) -> np.ndarray:
    """Where each of consecutive runs of these lengths starts (for ``reduceat``)."""
    return np.concatenate(([0], np.cumsum(counts)[:-1]))


def clear_cache() -> None:
    """Forget every analysed text (benchmarks time index builds from scratch)."""
    _WORDS.clear()
