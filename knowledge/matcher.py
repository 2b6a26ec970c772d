"""Match a staff member's question against the FAQ (plain Python: no botbuilder, no I/O).

Two stages keep the cost per query nearly flat as the FAQ grows:

1. **Candidates** — an inverted index (numpy CSR arrays) over character 1- and 2-grams of
   the normalised, synonym-folded question, alternates and tags, plus the answer's bigrams,
   scores entries BM25-style and keeps the best ``pool_size``.
2. **Rescoring** — for each candidate: how much of the query's information (IDF-weighted
   grams) the best question/alternate, all of them together, and the answer cover; how much
   of that text the query covers; rapidfuzz ``ratio``; the share of the query the FAQ has
   never seen. A logistic model fitted on the development set turns these into one score
   in 0..1 that reads as "probability that this is the right entry".

The top score and its margin over the runner-up decide the band: answer, clarify or none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz

from knowledge.faq import FaqEntry
from knowledge.normalize import TermFolder, normalize, normalize_cached

Band = Literal["answer", "clarify", "none"]
Field = Literal["question", "alternate", "answer"]

# Logistic weights over the features of :func:`_features` (cov, prec, ratio, evidence,
# answer, unknown), fitted on the development set (tests/data/faq_eval.csv) with L2 = 0.5.
_WEIGHTS = np.array([1.12, 4.25, 2.85, 7.88, 0.75, 4.67])
_BIAS = -10.06
_ANSWER_DISCOUNT = 0.7  # answer words count, but less than the question's own words
_K1, _B = 1.2, 0.75
_ANSWER_WEIGHT = 0.4
_COMMON_DF = 0.4  # grams in more than this share of entries skip the candidate stage
_MAX_QUERY_CHARS = 200


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Thresholds on the calibrated score (0..1) and the size of the candidate pool."""

    answer_threshold: float = 0.5
    clarify_threshold: float = 0.12
    answer_margin: float = 0.2
    pool_size: int = 40


@dataclass(frozen=True, slots=True)
class Candidate:
    """One FAQ entry with its score, the field that matched best and why."""

    entry: FaqEntry
    score: float
    field: Field
    matched: str
    why: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Ranked candidates and the band the top one falls in."""

    query: str
    normalized: str
    band: Band
    candidates: tuple[Candidate, ...]

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def grams(text: str) -> set[str]:
    """Character unigrams and bigrams of normalised text."""
    return {*text, *(text[i : i + 2] for i in range(len(text) - 1))}


@dataclass(frozen=True, slots=True)
class _Doc:
    texts: tuple[str, ...]  # normalised question, then alternates
    originals: tuple[str, ...]
    keywords: tuple[str, ...]  # normalised tags and category
    answer: str  # normalised answer
    joined: str  # texts and keywords, separated by NUL (never part of normalised text)


@dataclass(frozen=True, slots=True)
class _Scored:
    index: int
    score: float
    best: int
    field: Field
    coverage: float
    similarity: float


_SEP = 0  # code point separating texts in the concatenated corpus ("\x00")


def _codes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gram codes of a code-point array: unigrams, then bigrams (both skip separators).

    A unigram's code is its code point; a bigram's is ``(first + 1) << 21 | second``, so the
    two kinds never collide. Returns the codes and the position each gram starts at.
    """
    pos = np.flatnonzero(points != _SEP)
    uni = points[pos].astype(np.int64)
    first, second = points[:-1], points[1:]
    bpos = np.flatnonzero((first != _SEP) & (second != _SEP))
    bi = ((first[bpos].astype(np.int64) + 1) << 21) | second[bpos].astype(np.int64)
    return np.concatenate((uni, bi)), np.concatenate((pos, bpos))


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts joined by separators as code points, and each position's text index."""
    joined = "\x00".join(texts) + "\x00"
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    return points, np.repeat(np.arange(len(texts)), lengths)


def _gram_code(gram: str) -> int:
    if len(gram) == 1:
        return ord(gram)
    return ((ord(gram[0]) + 1) << 21) | ord(gram[1])


class _Postings:
    """Inverted lists in CSR form: gram id -> entry indices and weights (input sorted by gram)."""

    def __init__(
        self, grams: np.ndarray, entries: np.ndarray, weights: np.ndarray, n_grams: int
    ) -> None:
        self.entries = entries.astype(np.int32)
        self.weights = weights.astype(np.float32)
        counts = np.bincount(grams, minlength=n_grams)
        self.ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    def slice(self, gram: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.ptr[gram], self.ptr[gram + 1]
        return self.entries[lo:hi], self.weights[lo:hi]


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct values, the index of each input value among them, and their counts.

    (Sort-based: much faster here than numpy's hash-based ``np.unique``.)
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(ordered)))
    return ordered[first], inverse, counts


def _unique_pairs(a: np.ndarray, b: np.ndarray, b_size: int) -> tuple[np.ndarray, np.ndarray]:
    keys = np.sort(a.astype(np.int64) * b_size + b, kind="stable")
    keep = np.empty(len(keys), dtype=bool)
    keep[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    keys = keys[keep]
    return keys // b_size, keys % b_size


class Matcher:
    """An immutable index over FAQ entries; build once, match from any thread."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        docs: Sequence[_Doc],
        terms: TermFolder,
        settings: MatchSettings,
    ) -> None:
        self.entries = tuple(entries)
        self.settings = settings
        self._docs = tuple(docs)
        self._terms = terms
        n = len(self._docs)
        # Question side: every question/alternate (then tags) of every entry, vectorised.
        q_texts = [t for doc in self._docs for t in doc.texts]
        q_owner = np.repeat(np.arange(n), [len(doc.texts) for doc in self._docs])
        k_texts = [k for doc in self._docs for k in doc.keywords]
        k_owner = np.repeat(np.arange(n), [len(doc.keywords) for doc in self._docs])
        q_points, q_text = _code_points(q_texts + k_texts)
        q_codes, q_pos = _codes(q_points)
        q_text_of = q_text[q_pos]
        q_entry = np.concatenate((q_owner, k_owner))[q_text_of] if n else q_text_of
        # Answer side: bigrams only (single characters of long answers are noise).
        a_points, a_text = _code_points([doc.answer for doc in self._docs])
        a_codes, a_pos = _codes(a_points)
        is_bigram = a_codes >= (1 << 21)
        a_codes, a_entry = a_codes[is_bigram], a_text[a_pos[is_bigram]]

        self._vocab, inverse, _ = _unique(np.concatenate((q_codes, a_codes)))
        n_grams = len(self._vocab)
        q_ids, a_ids = inverse[: len(q_codes)], inverse[len(q_codes) :]

        qg, qe = _unique_pairs(q_ids, q_entry, max(n, 1))
        self._q = _Postings(qg, qe, np.ones(len(qg)), n_grams)
        a_keys, _, tf = _unique(a_ids.astype(np.int64) * max(n, 1) + a_entry)
        ag, ae = a_keys // max(n, 1), a_keys % max(n, 1)
        lengths = np.array([max(1, len(doc.answer) - 1) for doc in self._docs], dtype=np.float64)
        norm = _K1 * (1 - _B + _B * lengths / (lengths.mean() if n else 1.0))
        self._a = _Postings(ag, ae, tf * (_K1 + 1) / (tf + norm[ae]), n_grams)

        dg, _ = _unique_pairs(np.concatenate((qg, ag)), np.concatenate((qe, ae)), max(n, 1))
        df = np.bincount(dg, minlength=n_grams).astype(np.float64)
        self._idf = np.log1p((n - df + 0.5) / (df + 0.5))
        self._unknown_idf = math.log1p((n + 0.5) / 0.5)
        self._common = df > max(_COMMON_DF * n, 50)
        # Information carried by each question/alternate: the IDF sum of its distinct grams.
        n_q = len(q_texts)
        own = q_text_of < n_q
        tg, tt = _unique_pairs(q_ids[own], q_text_of[own], max(n_q, 1))
        info = np.bincount(tt, weights=self._idf[tg], minlength=n_q)
        starts = np.concatenate(([0], np.cumsum([len(doc.texts) for doc in self._docs])))
        self._text_info = [tuple(info[starts[i] : starts[i + 1]].tolist()) for i in range(n)]

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        entries: Iterable[FaqEntry],
        groups: Iterable[Sequence[str]] = (),
        settings: MatchSettings | None = None,
    ) -> Matcher:
        """Normalise every enabled entry and index it."""
        terms = TermFolder(groups)
        kept = sorted((e for e in entries if e.enabled), key=lambda e: e.id)
        docs = []
        for entry in kept:
            originals = (entry.question, *entry.alternates)
            texts = tuple(normalize_cached(t, terms) for t in originals)
            keywords = tuple(normalize_cached(t, terms) for t in (*entry.tags, entry.category) if t)
            answer = normalize_cached(entry.answer, terms, boilerplate=False)
            joined = "\x00".join((*texts, *keywords))
            docs.append(_Doc(texts, originals, keywords, answer, joined))
        return cls(kept, docs, terms, settings or MatchSettings())

    # ------------------------------------------------------------------ match

    def normalize(self, text: str) -> str:
        """The query form the index uses (synonyms folded)."""
        return normalize(text[:_MAX_QUERY_CHARS], self._terms)

    def gram_ids(self, query_grams: Iterable[str]) -> dict[str, int]:
        """Vocabulary ids of the grams the FAQ contains."""
        wanted = list(query_grams)
        if not wanted or not len(self._vocab):
            return {}
        codes = np.fromiter((_gram_code(g) for g in wanted), dtype=np.int64, count=len(wanted))
        at = np.minimum(np.searchsorted(self._vocab, codes), len(self._vocab) - 1)
        found = self._vocab[at] == codes
        return {g: int(i) for g, i, ok in zip(wanted, at, found, strict=True) if ok}

    def query_weights(self, norm: str) -> tuple[dict[str, float], dict[str, int]]:
        """IDF weight of each query gram (unseen ones weigh most), and the known grams' ids."""
        qgrams = grams(norm)
        ids = self.gram_ids(qgrams)
        idf, unknown = self._idf, self._unknown_idf
        weights = {g: float(idf[ids[g]]) if g in ids else unknown for g in qgrams}
        return weights, ids

    def pool(self, query: str) -> list[str]:
        """Ids of the entries the first stage keeps for a query (for tests and tuning)."""
        _, ids = self.query_weights(self.normalize(query))
        return sorted(self.entries[i].id for i in self.candidate_ids(ids.values()))

    def candidate_ids(self, gram_ids: Iterable[int]) -> list[int]:
        """Indices of the best entries by the BM25-style first stage."""
        n = len(self._docs)
        ids = list(gram_ids)
        if not ids or n == 0:
            return []
        rare = [gid for gid in ids if not self._common[gid]] or ids
        parts_e, parts_w = [], []
        for gid in rare:
            for postings, scale in ((self._q, 1.0), (self._a, _ANSWER_WEIGHT)):
                ents, ws = postings.slice(gid)
                parts_e.append(ents)
                parts_w.append(ws * (self._idf[gid] * scale))
        scores = np.bincount(np.concatenate(parts_e), np.concatenate(parts_w), minlength=n)
        pool = min(self.settings.pool_size, n)
        top = np.argpartition(-scores, pool - 1)[:pool] if pool < n else np.arange(n)
        return [int(i) for i in top if scores[i] > 0]

    def match(self, query: str, limit: int = 5) -> MatchResult:
        """Rank entries for a query and decide the band."""
        norm = self.normalize(query)
        weights, ids = self.query_weights(norm)
        if not weights:
            return MatchResult(query, norm, "none", ())
        unknown = sum(w for g, w in weights.items() if g not in ids) / sum(weights.values())
        pool = self.candidate_ids(ids.values())
        scored = [self._score(i, norm, weights, unknown) for i in pool]
        scored.sort(key=lambda s: (-s.score, self.entries[s.index].id))
        candidates = tuple(self._candidate(norm, s) for s in scored[: max(limit, 0)])
        return MatchResult(query, norm, self._band([s.score for s in scored[:2]]), candidates)

    def _band(self, best_two: Sequence[float]) -> Band:
        s = self.settings
        if not best_two or best_two[0] < s.clarify_threshold:
            return "none"
        top, runner_up = best_two[0], best_two[1] if len(best_two) > 1 else 0.0
        if top >= s.answer_threshold and top - runner_up >= s.answer_margin:
            return "answer"
        return "clarify"

    def features(
        self, index: int, query: str, weights: dict[str, float], unknown: float
    ) -> tuple[np.ndarray, int, Field]:
        """Feature vector of one (query, entry) pair, its best text and field."""
        return _features(query, weights, unknown, self._docs[index], self._text_info[index])

    def _score(self, index: int, query: str, weights: dict[str, float], unknown: float) -> _Scored:
        feats, best, field = self.features(index, query, weights, unknown)
        z = float(_WEIGHTS @ feats) + _BIAS
        score = round(1.0 / (1.0 + math.exp(-z)), 4)
        return _Scored(index, score, best, field, float(feats[0]), float(feats[2]))

    def _candidate(self, query: str, s: _Scored) -> Candidate:
        doc, entry = self._docs[s.index], self.entries[s.index]
        text = doc.answer if s.field == "answer" else doc.texts[s.best]
        matched = entry.answer if s.field == "answer" else doc.originals[s.best]
        shared = _shared_runs(query, text)
        label = {"question": "質問", "alternate": "言い換え", "answer": "回答"}[s.field]
        runs = "・".join(shared[:4]) if shared else "なし"
        why = f"{label}と一致 (共通: {runs}; 被覆 {s.coverage:.0%}, 類似 {s.similarity:.0%})"
        return Candidate(entry, s.score, s.field, matched, why)


def _features(
    query: str,
    weights: dict[str, float],
    unknown: float,
    doc: _Doc,
    info: tuple[float, ...],
) -> tuple[np.ndarray, int, Field]:
    """Coverage and similarity of one entry for a query.

    ``cov``: share of the query's information found in the best question/alternate;
    ``prec``: share of that text's information found in the query; ``ratio``: rapidfuzz
    similarity of the two; ``evidence``: query coverage by all the question-side texts
    together, or by the answer (discounted) if that is higher; ``answer``: coverage by the
    answer; ``unknown``: share of the query never seen in the FAQ.
    """
    total = sum(weights.values())
    items = weights.items()
    best, best_key, best_feats = 0, -1.0, (0.0, 0.0, 0.0)
    for t, text in enumerate(doc.texts):
        hit = sum(w for g, w in items if g in text)
        cov = hit / total
        prec = min(1.0, hit / info[t]) if info[t] else 0.0
        ratio = fuzz.ratio(query, text) / 100
        if cov + prec + ratio > best_key:
            best, best_key, best_feats = t, cov + prec + ratio, (cov, prec, ratio)
    joined = doc.joined
    union = sum(w for g, w in items if g in joined) / total
    answer = sum(w for g, w in items if g in doc.answer) / total
    evidence = max(union, _ANSWER_DISCOUNT * answer)
    feats = np.array([*best_feats, evidence, answer, unknown])
    field: Field = "question" if best == 0 else "alternate"
    if _ANSWER_DISCOUNT * answer > union:
        field = "answer"
    return feats, best, field


def _shared_runs(query: str, text: str) -> list[str]:
    """Stretches of the query (2+ characters) whose every bigram the text also has."""
    runs, start = [], None
    for i in range(len(query) - 1):
        if query[i : i + 2] in text:
            start = i if start is None else start
        elif start is not None:
            runs.append(query[start : i + 1])
            start = None
    if start is not None:
        runs.append(query[start:])
    return sorted(runs, key=len, reverse=True)
