"""Probe: would a Japanese morphological analyser (Sudachi lemmas) lift the FAQ matcher?

Run: ``.venv/bin/python bench/tokenizer_probe.py [--mode C|A] [--l2 2]``. The product uses
Sudachi only for kana readings of FAQ texts (:mod:`knowledge.readings`); lemmas did not help.
For every evaluation set of :mod:`bench.faq_generalise` it prints top-1 / recall@3 of

- ``char-bm25``  — the baseline of ``bench/faq_bench.py`` (NFKC char 1+2-grams, bm25s);
- ``lemma-bm25`` — BM25 over Sudachi ``normalized_form()`` of content words (nouns, verbs,
  adjectives, na-adjectives; "non-independent" words such as する/こと dropped) of question,
  alternates and answer;
- ``matcher``    — the leave-one-set-out fit of ``bench/fit_matcher.py`` (six features);
- ``+lemma``     — the same fit with a seventh feature: the entry's lemma-BM25 score relative to
  the best pooled entry's;
- ``rrf``        — reciprocal-rank fusion (k=60) of the leave-one-set-out matcher ranking and
  the lemma-BM25 ranking.

It also times the tokenizer on the texts of a synthetic 10,000-entry FAQ (the index build cost)
and on the queries (the per-query cost).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sudachipy import Dictionary, SplitMode  # noqa: E402

from bench.faq_bench import Bm25, run, synthetic_entries  # noqa: E402
from bench.faq_generalise import SETS, load_set  # noqa: E402
from bench.fit_matcher import Query, collect, report, train  # noqa: E402
from knowledge.faq import FaqEntry  # noqa: E402
from knowledge.matcher import FEATURES  # noqa: E402

CONTENT = {"名詞", "動詞", "形容詞", "形状詞"}
_TOKENIZER = Dictionary(dict="small").tokenizer()
_MODES = {"A": SplitMode.A, "C": SplitMode.C}
_RRF_K = 60
_K1, _B = 1.2, 0.75


@cache
def lemmas(text: str, mode: str) -> tuple[str, ...]:
    """Normalised forms of the content words of a text (casefolded)."""
    out = []
    for m in _TOKENIZER.tokenize(text, _MODES[mode]):
        pos = m.part_of_speech()
        if pos[0] in CONTENT and pos[1] != "非自立可能" and pos[1] != "数詞":
            out.append(m.normalized_form().casefold())
    return tuple(out)


class LemmaBm25:
    """Okapi BM25 over lemma bags of whole entries (question, alternates, answer)."""

    def __init__(self, entries: Sequence[FaqEntry], mode: str) -> None:
        self.mode = mode
        self.ids = [e.id for e in entries]
        docs = [
            [t for text in (e.question, *e.alternates, e.answer) for t in lemmas(text, mode)]
            for e in entries
        ]
        n = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        avg = lengths.mean() if n and lengths.mean() > 0 else 1.0
        norm = _K1 * (1 - _B + _B * lengths / avg)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.idf: dict[str, float] = {}
        by_term: dict[str, list[tuple[int, int]]] = {}
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                by_term.setdefault(term, []).append((i, tf))
        for term, hits in by_term.items():
            idx = np.array([i for i, _ in hits])
            tf = np.array([f for _, f in hits], dtype=np.float64)
            idf = self.idf[term] = math.log(1 + (n - len(hits) + 0.5) / (len(hits) + 0.5))
            self.postings[term] = (idx, idf * tf * (_K1 + 1) / (tf + norm[idx]))
        self.n = n
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self.asked = {
            e.id: [set(lemmas(t, mode)) for t in (e.question, *e.alternates)] for e in entries
        }

    def coverage(self, query: str, entry_id: str) -> float:
        """IDF-weighted share of the query's lemmas found in the entry's best asked text."""
        terms = set(lemmas(query, self.mode))
        weight = {t: self.idf.get(t, self.unknown_idf) for t in terms}
        total = sum(weight.values())
        if total <= 0:
            return 0.0
        return max(
            (
                sum(w for t, w in weight.items() if t in text) / total
                for text in self.asked[entry_id]
            ),
            default=0.0,
        )

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every entry (query terms counted once each)."""
        s = np.zeros(self.n)
        for term in set(lemmas(query, self.mode)):
            hit = self.postings.get(term)
            if hit is not None:
                s[hit[0]] += hit[1]
        return s

    def ranking(self, query: str) -> list[str]:
        """Entry ids with a positive score, best first (ties by id)."""
        s = self.scores(query)
        order = sorted((i for i in range(self.n) if s[i] > 0), key=lambda i: (-s[i], self.ids[i]))
        return [self.ids[i] for i in order]


def with_lemma_feature(queries: list[Query], index: LemmaBm25, kind: str) -> list[Query]:
    """The queries with extra columns: lemma-BM25 relative to the pool's best (``bm25``),
    lemma coverage of the best asked text (``cov``), or both."""
    pos = {e: i for i, e in enumerate(index.ids)}
    out = []
    for q in queries:
        cols = []
        if kind in ("bm25", "both"):
            s = index.scores(q.case.query)
            col = np.array([s[pos[i]] for i in q.ids], dtype=np.float64)
            top = col.max() if len(col) else 0.0
            cols.append(col / top if top > 0 else col)
        if kind in ("cov", "both"):
            cols.append(np.array([index.coverage(q.case.query, i) for i in q.ids]))
        feats = np.column_stack([q.feats, *cols]) if len(q.ids) else q.feats
        out.append(replace(q, feats=feats))
    return out


def rate(queries: Sequence[Query], rankings: Sequence[list[str]]) -> tuple[float, float]:
    """Top-1 and recall@3 of rankings over the in-scope queries."""
    pairs = [(q, r) for q, r in zip(queries, rankings, strict=True) if q.case.in_scope]
    top1 = sum(bool(r) and r[0] in q.case.expected for q, r in pairs) / len(pairs)
    rec3 = sum(any(i in q.case.expected for i in r[:3]) for q, r in pairs) / len(pairs)
    return top1, rec3


def model_ranking(q: Query, model, cols: list[int]) -> list[str]:
    if not q.ids:
        return []
    z = q.feats[:, cols] @ model.weights + model.bias
    scores = np.round(1 / (1 + np.exp(-z)), 4)
    return [i for _, i in sorted(zip((-scores).tolist(), q.ids, strict=True))]


def rrf(*rankings: list[str]) -> list[str]:
    score: dict[str, float] = {}
    for r in rankings:
        for rank, i in enumerate(r):
            score[i] = score.get(i, 0.0) + 1 / (_RRF_K + rank + 1)
    return sorted(score, key=lambda i: (-score[i], i))


def char_bm25(name: str) -> tuple[float, float]:
    entries, groups, cases = load_set(next(s for s in SETS if s.name == name))
    system = Bm25()
    system.build(entries, groups)
    results, _ = run(system, cases)
    inscope = [(c, r) for c, r in zip(cases, results, strict=True) if c.in_scope]
    top1 = sum(bool(r.ids) and r.ids[0] in c.expected for c, r in inscope) / len(inscope)
    rec3 = sum(any(i in c.expected for i in r.ids[:3]) for c, r in inscope) / len(inscope)
    return top1, rec3


def timing(mode: str, queries: Sequence[str]) -> None:
    """Tokenizer throughput on a synthetic 10k FAQ's texts, and per-query lemma-BM25 cost."""
    entries = synthetic_entries(10_000)
    texts = [t for e in entries for t in (e.question, *e.alternates, e.answer)]
    lemmas.cache_clear()
    t0 = time.perf_counter()
    for t in texts:
        lemmas(t, mode)
    build_tok = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = LemmaBm25(entries, mode)
    build_idx = time.perf_counter() - t0
    lemmas.cache_clear()
    t0 = time.perf_counter()
    for q in queries:
        lemmas(q, mode)
    tok_ms = (time.perf_counter() - t0) * 1000 / len(queries)
    t0 = time.perf_counter()
    for q in queries:
        index.scores(q)
    score_ms = (time.perf_counter() - t0) * 1000 / len(queries)
    chars = sum(map(len, texts))
    print(
        f"\ntiming (mode {mode}): {len(texts)} texts ({chars} chars) of a 10k FAQ tokenised in "
        f"{build_tok:.2f} s = {len(texts) / build_tok:,.0f} texts/s; lemma index on top "
        f"{build_idx:.2f} s (cached tokens); per query: tokenise {tok_ms:.3f} ms + score at 10k "
        f"{score_ms:.3f} ms (tokens cached)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="C", choices=sorted(_MODES))
    parser.add_argument("--feature", default="bm25", choices=("bm25", "cov", "both"))
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--l2", type=float, default=2.0)
    parser.add_argument("--precision", type=float, default=0.96)
    args = parser.parse_args(argv)
    names = [s.name for s in SETS]
    base = {n: collect(n) for n in names}
    indexes = {
        n: LemmaBm25(load_set(next(s for s in SETS if s.name == n))[0], args.mode) for n in names
    }
    plus = {n: with_lemma_feature(base[n], indexes[n], args.feature) for n in names}
    six = list(range(len(FEATURES)))
    seven = list(range(len(FEATURES) + (2 if args.feature == "both" else 1)))

    print(
        f"mode {args.mode}, extra feature {args.feature}; top-1 / recall@3 over in-scope "
        "queries; matcher columns are leave-one-set-out"
    )
    head = ("set", "char-bm25", "lemma-bm25", "matcher", "+lemma", "rrf", "+lemma prec/oos")
    print(f"{head[0]:9}" + "".join(f"{h:>16}" for h in head[1:-1]) + f"  {head[-1]}")
    for held in names:
        m6 = train([base[n] for n in names if n != held], six, args.l2, args.precision, False)
        m7 = train([plus[n] for n in names if n != held], seven, args.l2, args.precision, False)
        r6, r7 = report(base[held], m6, six), report(plus[held], m7, seven)
        lemma_r = [indexes[held].ranking(q.case.query) for q in base[held]]
        fused = [
            rrf(model_ranking(q, m6, six), lr) for q, lr in zip(base[held], lemma_r, strict=True)
        ]
        cells = [
            char_bm25(held),
            rate(base[held], lemma_r),
            (r6["top1"], r6["rec3"]),
            (r7["top1"], r7["rec3"]),
            rate(base[held], fused),
        ]
        print(
            f"{held:9}"
            + "".join(f"{a:.3f}/{b:.3f}".rjust(16) for a, b in cells)
            + f"  {r6['prec']:.2f}/{r6['oos']:.2f} > {r7['prec']:.2f}/{r7['oos']:.2f}"
        )
    final = train([plus[n] for n in names], seven, args.l2, args.precision, False)
    print(
        f"weights with lemma feature (all five): {np.round(final.weights, 2).tolist()} "
        f"bias {final.bias:.2f}"
    )
    if not args.no_timing:
        timing(args.mode, [q.case.query for qs in base.values() for q in qs])


if __name__ == "__main__":
    main()
