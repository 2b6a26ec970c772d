"""Match a staff member's question against the FAQ (plain Python: no botbuilder, no I/O).

Two stages keep the cost per query nearly flat as the FAQ grows:

1. **Candidates** — an inverted index (numpy CSR arrays) over character 1- and 2-grams of
   the normalised, synonym-folded question, alternates (each also as it is read, in kana:
   :mod:`knowledge.readings`) and tags, plus the answer's bigrams,
   scores entries BM25-style and keeps the best ``pool_size``, plus the best few by a
   whole-entry BM25 (question side and answer as one text, term frequencies counted).
2. **Rescoring** — for each candidate: how much of the query's information (IDF-weighted
   grams) the best question/alternate, all of them together, and the answer cover; how much
   of that text the query covers; rapidfuzz ``ratio``; the whole-entry BM25 relative to the
   pool's best; and how near the query's words are in meaning to those of the question side
   (word vectors: :mod:`knowledge.wordvec`), relative to the pool's best. A logistic model
   fitted on five evaluation sets in three domains (``bench/fit_matcher.py``) turns these into
   one score in 0..1 that reads as "probability that this is the right entry".

The top score and its margin over the runner-up decide the band: answer, clarify or none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from rapidfuzz import fuzz

from knowledge import wordvec
from knowledge.faq import FaqEntry
from knowledge.match_settings import MatchSettings
from knowledge.normalize import TermFolder, normalize, normalize_cached_many
from knowledge.readings import readings

Band = Literal["answer", "clarify", "none"]
Field = Literal["question", "alternate", "answer"]

# The score of a pooled entry is ``sigmoid(_WEIGHTS @ features + _BIAS)`` over FEATURES (see
# _features): a logistic regression (L2 = 2) fitted by bench/fit_matcher.py on all five
# evaluation sets (dev, holdout, hr, resident, it); that script also prints the
# leave-one-set-out estimate. A listwise (conditional logit) fit ranked a little better
# held out but crowded the scores of near-identical short texts (the intents) near 1. The
# last two features come from word vectors (:mod:`knowledge.wordvec`); without them the
# six-feature fit ranks (_PLAIN_WEIGHTS, _PLAIN_BIAS).
FEATURES = ("cov", "prec", "ratio", "evidence", "answer", "bm25", "wv_mean", "wv_soft")
_WEIGHTS = np.array([-0.71, 2.26, 0.99, 2.71, 1.08, 7.65, 2.01, 2.84])
_BIAS = -14.27
_PLAIN_WEIGHTS = np.array([-0.28, 2.96, 1.52, 2.3, 1.09, 9.05])
_PLAIN_BIAS = -11.81
_PLAIN = len(_PLAIN_WEIGHTS)
# Word vectors are compared for the pooled entries the six features rank best (20: the same
# accuracy held out as for the whole pool, at half the cost; 12 lost 0.1-0.4 points).
_VECTOR_POOL = 20
_ANSWER_DISCOUNT = 0.7  # answer words count, but less than the question's own words
_K1, _B = 1.2, 0.75
_ANSWER_WEIGHT = 0.4
_BM25_EXTRA = 10  # best entries by whole-entry BM25 always join the pool
_COMMON_DF = 0.4  # grams in more than this share of entries skip the candidate stage
_MAX_QUERY_CHARS = 200
_DENSE_LIMIT = 1 << 24  # largest gram-code space indexed by lookup table rather than sort


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
    texts: tuple[str, ...]  # normalised question, alternates, then their kana readings
    originals: tuple[str, ...]  # question, then alternates, as written
    source: tuple[int, ...]  # for each text, the original it was normalised or read from
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


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts joined by separators as code points, and each position's text index."""
    joined = "\x00".join(texts) + "\x00" if texts else ""
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    return points, np.repeat(np.arange(len(texts), dtype=np.int32), lengths)


def _gram_code(gram: str) -> int:
    """A gram's code: a unigram's is its code point; a bigram's ``(first + 1) << 21 | second``
    (the two kinds never collide, and the order is that of :class:`_Alphabet` ids)."""
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


class _Alphabet:
    """The characters of a corpus, numbered densely, and its grams numbered over them.

    The character with dense index ``c`` is unigram id ``c``; bigram ``(a, b)`` gets
    ``n + a * n + b``. The ids sort like
    the gram codes of :func:`_gram_code`, and the id space (``n * (n + 1)``) is small enough
    for lookup tables instead of sorting.
    """

    def __init__(self, *arrays: np.ndarray) -> None:
        present = np.zeros(0x110000, dtype=bool)
        for points in arrays:
            present[points] = True
        present[_SEP] = False
        self.chars = np.flatnonzero(present)
        self.table = np.zeros(0x110000, dtype=np.int32)
        self.table[self.chars] = np.arange(len(self.chars), dtype=np.int32)
        self.size = len(self.chars)

    def grams(self, points: np.ndarray, text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gram ids of a code-point array (unigrams, then bigrams; both skip separators) and
        the text each gram belongs to."""
        n = self.size
        ids = self.table[points].astype(_key_type(n * (n + 2)), copy=False)
        keep = points != _SEP
        pair = keep[:-1] & keep[1:]
        bi = ids[:-1][pair] * n + ids[1:][pair] + n
        return np.concatenate((ids[keep], bi)), np.concatenate((text[keep], text[:-1][pair]))

    def codes(self, ids: np.ndarray) -> np.ndarray:
        """The gram codes of gram ids."""
        n, chars = self.size, self.chars.astype(np.int64)
        bi = ids[ids >= n] - n
        return np.concatenate((chars[ids[ids < n]], ((chars[bi // n] + 1) << 21) | chars[bi % n]))


def _key_type(space: int) -> type[np.unsignedinteger] | type[np.signedinteger]:
    """The integer type for keys below ``space``: 32 bits where they fit (half the memory to
    write, sort and read: most of an index build), else 64."""
    return np.uint32 if space <= 1 << 32 else np.int64


def _vocabulary(ids: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct gram ids, and each input gram's index among them."""
    if space > _DENSE_LIMIT:
        present, inverse = np.unique(ids, return_inverse=True)
        return present, inverse.astype(np.int32)
    seen = np.zeros(space, dtype=bool)
    seen[ids] = True
    present = np.flatnonzero(seen)
    lookup = np.zeros(space, dtype=np.int32)
    lookup[present] = np.arange(len(present), dtype=np.int32)
    return present, lookup[ids]


def _pair_keys(major: np.ndarray, minor: np.ndarray, size: int, space: int) -> np.ndarray:
    """``major * size + minor`` (all below ``space``) in the :func:`_key_type` for ``space``."""
    kind = _key_type(space)
    return major.astype(kind) * kind(size) + minor.astype(kind, copy=False)


def _counted(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and how often each occurs."""
    # The keys arrive in runs (texts and entries in order), which a stable sort (timsort)
    # exploits: about 3x faster than quicksort for keys led by the text, as fast for the rest.
    ordered = np.sort(keys, kind="stable")
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return ordered[starts], np.diff(starts, append=len(ordered))


def _gram_first(
    entry: np.ndarray, gram: np.ndarray, size: int, n_grams: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (gram, entry) pairs of one side in the postings' order (by gram, then
    entry): their grams, entries, keys ``gram * size + entry`` and counts."""
    keys, counts = _counted(_pair_keys(gram, entry, size, n_grams * size))
    return keys // size, keys % size, keys, counts


def _merged(
    keys_a: np.ndarray, counts_a: np.ndarray, keys_b: np.ndarray, counts_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two outputs of :func:`_counted` merged: a stable sort of two sorted runs is a merge."""
    keys = np.concatenate((keys_a, keys_b))
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    if not len(starts):
        return keys, np.concatenate((counts_a, counts_b))
    return keys[starts], np.add.reduceat(np.concatenate((counts_a, counts_b))[order], starts)


@dataclass(slots=True)
class BuildMemo:
    """What one FAQ's last build made of each entry, by the entry's content (its place in the
    file aside): a rebuild after an edit reads and normalises only the entries that changed,
    also where lines added above moved the rest. Valid for one set of synonyms (``terms``)."""

    terms: str = ""
    docs: dict[FaqEntry, _Doc] = field(default_factory=dict)


class Matcher:
    """An immutable index over FAQ entries; build once, match from any thread (the word
    vectors of an entry are worked out when it is first pooled, and kept)."""

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
        k_texts = [k for doc in self._docs for k in doc.keywords]
        owner = np.repeat(
            np.tile(np.arange(n, dtype=np.int32), 2),
            [len(doc.texts) for doc in self._docs] + [len(doc.keywords) for doc in self._docs],
        )
        q_points, q_text = _code_points(q_texts + k_texts)
        # Answer side: bigrams only (single characters of long answers are noise).
        a_points, a_text = _code_points([doc.answer for doc in self._docs])
        alphabet = _Alphabet(q_points, a_points)
        q_grams, q_text_of = alphabet.grams(q_points, q_text)
        a_grams, a_all_entry = alphabet.grams(a_points, a_text)
        del q_points, q_text, a_points, a_text
        q_entry = owner[q_text_of]
        present, inverse = _vocabulary(
            np.concatenate((q_grams, a_grams)), alphabet.size * (alphabet.size + 1)
        )
        self._vocab = alphabet.codes(present)
        is_bigram = present >= alphabet.size
        n_grams = len(present)
        q_ids, a_all_ids = inverse[: len(q_grams)], inverse[len(q_grams) :]
        del q_grams, a_grams, inverse

        size = max(n, 1)
        n_q = len(q_texts)
        own = q_text_of < n_q
        # The three sorts are most of the build, and numpy sorts without holding the GIL: the
        # answer side's runs on a second thread (10,000 entries: 0.1 s less on two cores).
        with ThreadPoolExecutor(1) as pool:
            answer_side = pool.submit(_gram_first, a_all_entry, a_all_ids, size, n_grams)
            qg, qe, q_keys, q_tf = _gram_first(q_entry, q_ids, size, n_grams)
            self._q = _Postings(qg, qe, np.ones(len(q_keys)), n_grams)
            del qg, qe, q_entry  # freed early: 10,000 entries peak at 170 MB, not 320
            # Information carried by each question/alternate: the IDF sum of its distinct grams.
            t_keys, _ = _counted(_pair_keys(q_text_of[own], q_ids[own], n_grams, n_grams * max(n_q, 1)))
            a_gram, a_entry, a_keys, a_tf = answer_side.result()
        del a_all_entry, a_all_ids
        bigram = is_bigram[a_gram]
        ag, ae, tf = a_gram[bigram], a_entry[bigram], a_tf[bigram]
        lengths = np.array([max(1, len(doc.answer) - 1) for doc in self._docs], dtype=np.float64)
        norm = _K1 * (1 - _B + _B * lengths / (lengths.mean() if n else 1.0))
        self._a = _Postings(ag, ae, tf * (_K1 + 1) / (tf + norm[ae]), n_grams)
        del a_gram, a_entry, bigram, ag, ae, tf

        # Whole-entry BM25 (question side and answer as one text, term frequencies counted):
        # the ranking feature that carries over best to FAQs worded unlike their users.
        keys, tf_all = _merged(q_keys, q_tf, a_keys, a_tf)
        bg, be = keys // size, keys % size
        df = np.bincount(bg, minlength=n_grams).astype(np.float64)
        doc_len = np.bincount(be, weights=tf_all, minlength=n).astype(np.float64)
        bnorm = _K1 * (1 - _B + _B * doc_len / (doc_len.mean() if n else 1.0))
        self._bm = _Postings(bg, be, tf_all * (_K1 + 1) / (tf_all + bnorm[be]), n_grams)
        del q_keys, q_tf, a_keys, a_tf, keys, tf_all, bg, be
        self._idf = np.log1p((n - df + 0.5) / (df + 0.5))
        self._unknown_idf = math.log1p((n + 0.5) / 0.5)
        self._common = df > max(_COMMON_DF * n, 50)
        tg, tt = t_keys % n_grams, t_keys // n_grams
        info = np.bincount(tt, weights=self._idf[tg], minlength=n_q)
        starts = np.concatenate(([0], np.cumsum([len(doc.texts) for doc in self._docs])))
        self._text_info = [tuple(info[starts[i] : starts[i + 1]].tolist()) for i in range(n)]
        # Word vectors of each entry's question side, made when the entry is first pooled (a
        # text is analysed once per process, so a rebuild costs only its new texts).
        self._vectors = wordvec.available()
        self._sides: dict[int, wordvec.Side] = {}

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        entries: Iterable[FaqEntry],
        groups: Iterable[Sequence[str]] = (),
        settings: MatchSettings | None = None,
        memo: BuildMemo | None = None,
    ) -> Matcher:
        """Normalise every enabled entry and index it (with ``memo``, the entries not changed
        since the last build with it are not normalised again)."""
        terms = TermFolder(groups)
        kept = sorted((e for e in entries if e.enabled), key=lambda e: e.id)
        known = memo.docs if memo is not None and memo.terms == terms.key else {}
        fresh = [e for e in kept if e not in known]
        made = dict(zip(fresh, _docs(fresh, terms), strict=True))
        docs = [made[e] if e in made else known[e] for e in kept]
        if memo is not None:
            memo.terms, memo.docs = terms.key, dict(zip(kept, docs, strict=True))
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
        return sorted(self.entries[i].id for i in self._first_stage(list(ids.values()))[0])

    def candidate_ids(self, gram_ids: Iterable[int]) -> list[int]:
        """Indices of the best entries by the BM25-style first stage."""
        return self._first_stage(list(gram_ids))[0]

    def _first_stage(self, ids: list[int]) -> tuple[list[int], np.ndarray]:
        """The candidate pool, and each candidate's whole-entry BM25 score.

        Rare grams are scored for every entry (question side binary, answer discounted, and
        whole-entry BM25); the pool is the best ``pool_size`` by the first score plus the best
        few by BM25. The common grams (in a large share of entries) add their BM25 share to
        the pooled entries only, which keeps the cost per query nearly flat.
        """
        n = len(self._docs)
        if not ids or n == 0:
            return [], np.zeros(0)
        common = self._common[ids]
        rare = [g for g, c in zip(ids, common, strict=True) if not c] or ids
        idf = self._idf
        parts_e, parts_w, bm_e, bm_w = [], [], [], []
        for gid in rare:
            for postings, scale in ((self._q, 1.0), (self._a, _ANSWER_WEIGHT)):
                ents, ws = postings.slice(gid)
                parts_e.append(ents)
                parts_w.append(ws * (idf[gid] * scale))
            ents, ws = self._bm.slice(gid)
            bm_e.append(ents)
            bm_w.append(ws * idf[gid])
        scores = np.bincount(np.concatenate(parts_e), np.concatenate(parts_w), minlength=n)
        bm = np.bincount(np.concatenate(bm_e), np.concatenate(bm_w), minlength=n)
        pool = _top(scores, self.settings.pool_size)
        pool = sorted({*pool, *_top(bm, _BM25_EXTRA)})
        if len(rare) < len(ids):
            others = [g for g, c in zip(ids, common, strict=True) if c]
            extra_e = np.concatenate([self._bm.slice(g)[0] for g in others])
            extra_w = np.concatenate([self._bm.slice(g)[1] * idf[g] for g in others])
            bm = bm + np.bincount(extra_e, extra_w, minlength=n)
        return pool, bm[pool]

    def match(self, query: str, limit: int = 5) -> MatchResult:
        """Rank entries for a query and decide the band."""
        norm = self.normalize(query)
        weights, ids = self.query_weights(norm)
        if not weights:
            return MatchResult(query, norm, "none", ())
        scored = self._rank(query, norm, weights, ids)
        candidates = tuple(self._candidate(norm, s) for s in scored[: max(limit, 0)])
        return MatchResult(query, norm, self._band([s.score for s in scored[:2]]), candidates)

    def feature_table(self, query: str) -> list[tuple[str, np.ndarray]]:
        """Each pooled entry's id and feature vector for a query (for fitting the weights)."""
        norm = self.normalize(query)
        weights, ids = self.query_weights(norm)
        if not weights:
            return []
        pool, feats, _ = self._pool_features(query, norm, weights, ids)
        return [(self.entries[i].id, row) for i, row in zip(pool, feats, strict=True)]

    def _pool_stats(self, ids: dict[str, int]) -> tuple[list[int], np.ndarray]:
        """The pool and each pooled entry's whole-entry BM25 relative to the pool's best."""
        pool, bm = self._first_stage(list(ids.values()))
        top = float(bm.max()) if len(bm) else 0.0
        return pool, bm / top if top > 0 else bm

    def _pool_features(
        self, query: str, norm: str, weights: dict[str, float], ids: dict[str, int]
    ) -> tuple[list[int], np.ndarray, list[tuple[int, Field]]]:
        """The pool, one feature row per pooled entry, and each entry's best text and field."""
        pool, bm = self._pool_stats(ids)
        total = sum(weights.values())
        rows, where = [], []
        for i, b in zip(pool, bm, strict=True):
            doc, info = self._docs[i], self._text_info[i]
            feats, best, field = _features(norm, weights, total, float(b), doc, info)
            rows.append(feats)
            where.append((best, field))
        plain = np.array(rows, dtype=np.float64).reshape(len(rows), _PLAIN)
        vectors = np.zeros((len(pool), len(FEATURES) - _PLAIN))
        if self._vectors and pool:  # for the entries the other features rank nearest
            near = np.argsort(-(plain @ _PLAIN_WEIGHTS), kind="stable")[:_VECTOR_POOL]
            found = wordvec.scores(query, [self._side(pool[j]) for j in near])
            if found is not None:
                vectors[near] = found
        return pool, np.hstack([plain, vectors]), where

    def _side(self, index: int) -> wordvec.Side:
        found = self._sides.get(index)
        if found is None:
            entry = self.entries[index]
            found = self._sides[index] = wordvec.side((entry.question, *entry.alternates))
        return found

    def _rank(self, query: str, norm: str, weights: dict[str, float], ids: dict[str, int]) -> list[_Scored]:
        pool, feats, where = self._pool_features(query, norm, weights, ids)
        if not pool:
            return []
        if feats[:, _PLAIN:].any():
            z = feats @ _WEIGHTS + _BIAS
        else:  # no word vectors, or they say nothing of this query
            z = feats[:, :_PLAIN] @ _PLAIN_WEIGHTS + _PLAIN_BIAS
        probs = np.round(1.0 / (1.0 + np.exp(-z)), 4)
        scored = [
            _Scored(i, float(p), best, field, float(f[0]), float(f[2]))
            for i, p, (best, field), f in zip(pool, probs, where, feats, strict=True)
        ]
        scored.sort(key=lambda s: (-s.score, self.entries[s.index].id))
        return scored

    def _band(self, best_two: Sequence[float]) -> Band:
        s = self.settings
        if not best_two or best_two[0] < s.clarify_threshold:
            return "none"
        top, runner_up = best_two[0], best_two[1] if len(best_two) > 1 else 0.0
        if top >= s.answer_threshold and top - runner_up >= s.answer_margin:
            return "answer"
        return "clarify"

    def _candidate(self, query: str, s: _Scored) -> Candidate:
        doc, entry = self._docs[s.index], self.entries[s.index]
        text = doc.answer if s.field == "answer" else doc.texts[s.best]
        matched = entry.answer if s.field == "answer" else doc.originals[doc.source[s.best]]
        shared = _shared_runs(query, text)
        label = {"question": "質問", "alternate": "言い換え", "answer": "回答"}[s.field]
        if s.field != "answer" and s.best >= len(doc.originals):
            label += "の読み"
        runs = "・".join(shared[:4]) if shared else "なし"
        why = f"{label}と一致 (共通: {runs}; 被覆 {s.coverage:.0%}, 類似 {s.similarity:.0%})"
        return Candidate(entry, s.score, s.field, matched, why)


def _docs(kept: Sequence[FaqEntry], terms: TermFolder) -> list[_Doc]:
    """Each entry's texts as the index reads them: questions and their readings, keywords and
    the answer, normalised (all entries' texts at once)."""
    asked = [
        ((e.question, *e.alternates), tuple(t for t in (*e.tags, e.category) if t))
        for e in kept
    ]
    read = iter(readings([t for texts, _ in asked for t in texts]))
    flat = [
        t
        for texts, keywords in asked
        for t in (*texts, *keywords, *(next(read) for _ in texts))
    ]
    normal = iter(normalize_cached_many(flat, terms))
    answers = normalize_cached_many([e.answer for e in kept], terms, boilerplate=False)
    docs = []
    for (originals, keywords), answer in zip(asked, answers, strict=True):
        texts = [next(normal) for _ in originals]
        folded = tuple(next(normal) for _ in keywords)
        source = list(range(len(originals)))
        for k in range(len(originals)):  # readings that differ from every written form
            said = next(normal)
            if said not in texts:
                texts.append(said)
                source.append(k)
        joined = "\x00".join((*texts, *folded))
        docs.append(_Doc(tuple(texts), originals, tuple(source), folded, answer, joined))
    return docs


def _top(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` highest positive scores (in no particular order)."""
    n = len(scores)
    k = min(k, n)
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
    return [int(i) for i in top if scores[i] > 0]


def _features(
    query: str,
    weights: dict[str, float],
    total: float,
    bm25: float,
    doc: _Doc,
    info: tuple[float, ...],
) -> tuple[list[float], int, Field]:
    """Coverage and similarity of one entry for a query (the order of :data:`FEATURES`).

    ``cov``: share of the query's information (IDF-weighted grams) found in the best
    question/alternate; ``prec``: share of that text's information found in the query;
    ``ratio``: rapidfuzz similarity of the two; ``evidence``: query coverage by all the
    question-side texts together, or by the answer (discounted) if that is higher; ``answer``:
    coverage by the answer; ``bm25``: the entry's whole-entry BM25 score relative to the best
    in the pool.
    """
    items = weights.items()
    best, best_key, best_feats = 0, -1.0, (0.0, 0.0, 0.0)
    for t, text in enumerate(doc.texts):
        hit = sum(w for g, w in items if g in text)
        cov = hit / total
        prec = min(1.0, hit / info[t]) if info[t] else 0.0
        ratio = fuzz.ratio(query, text) / 100
        if cov + prec + ratio > best_key:
            best, best_key, best_feats = t, cov + prec + ratio, (cov, prec, ratio)
    union = sum(w for g, w in items if g in doc.joined) / total
    answer = sum(w for g, w in items if g in doc.answer) / total
    evidence = max(union, _ANSWER_DISCOUNT * answer)
    field: Field = "question" if doc.source[best] == 0 else "alternate"
    if _ANSWER_DISCOUNT * answer > union:
        field = "answer"
    return [*best_feats, evidence, answer, bm25], best, field


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
