"""Probe: would static Japanese word vectors, as two more ranking features, lift the matcher?

Not part of the product: no vectors ship with it. The measured answer (2026-11-27) is yes —
see the issue notes — and this script keeps the measurement reproducible.

Vectors: the chiVe table inside the PyPI package ``ja-ginza`` 5.3.0 (Apache-2.0; 20,000 rows x
300 dims, 480k words). ja-ginza pins sudachipy < 0.7, which breaks this project's Sudachi
dictionary, so extract the table in a scratch virtualenv, then probe with the project's own::

    python -m venv /tmp/ginza && /tmp/ginza/bin/pip install ja-ginza==5.3.0
    /tmp/ginza/bin/python bench/wordvec_probe.py --extract /tmp/wordvec
    .venv/bin/python bench/wordvec_probe.py --vectors /tmp/wordvec [--l2 2] [--random]

Words are the content words (nouns, verbs, adjectives, na-adjectives; no numerals, pronouns or
light verbs) of Sudachi's small dictionary, mode C, looked up by dictionary form, normalised
form, then surface. For each pooled entry (the pool of :meth:`Matcher.feature_table`):

- ``wv_mean``: cosine of the query's mean word vector with the best question/alternate's;
- ``wv_soft``: each query word's best cosine with the entry's question-side words (1 for the
  same word), averaged;

each relative to the pool's best, appended to the six features of ``bench/fit_matcher.py`` and
fitted leave-one-set-out as there. ``--random`` gives every word a random vector instead (the
control: what splitting into words alone does). It also times preparing the entry side of a
synthetic 10,000-entry FAQ and the features per query.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_CONTENT = {"名詞", "動詞", "形容詞", "形状詞"}
_NOT_CONTENT = {"数詞", "代名詞"}
_LIGHT = {
    "する", "為る", "ある", "有る", "いる", "居る", "なる", "成る", "できる", "出来る", "くださる",
    "下さる", "いただく", "頂く", "おる", "こと", "事", "もの", "物", "ため", "為", "よう", "様",
    "とき", "時", "教える", "分かる", "わかる", "思う", "の", "ん", "方", "いい", "良い", "よい",
    "くれる", "もらう", "貰う", "みる", "見る", "いう", "言う",
}


def extract(out: Path) -> None:
    """Write ja_ginza's vector table as words.txt, rows.npy and vectors.npy (float16)."""
    import spacy  # only in the scratch virtualenv

    nlp = spacy.load("ja_ginza", exclude=["parser", "ner", "morphologizer", "compound_splitter",
                                          "bunsetu_recognizer"])
    vectors = nlp.vocab.vectors
    pairs = [(nlp.vocab.strings[k], row) for k, row in vectors.key2row.items()]
    pairs = [(w, r) for w, r in pairs if "\n" not in w]
    out.mkdir(parents=True, exist_ok=True)
    (out / "words.txt").write_text("".join(w + "\n" for w, _ in pairs), encoding="utf-8")
    np.save(out / "rows.npy", np.array([r for _, r in pairs], dtype=np.int32))
    np.save(out / "vectors.npy", np.asarray(vectors.data, dtype=np.float16))
    print(f"{len(pairs):,} words, table {vectors.data.shape} -> {out}")


class Vectors:
    """Unit word vectors by word (or a random one per word, for the control)."""

    def __init__(self, folder: Path, random: bool = False) -> None:
        words = (folder / "words.txt").read_text(encoding="utf-8").splitlines()
        rows = np.load(folder / "rows.npy").tolist()
        table = np.load(folder / "vectors.npy").astype(np.float32)
        if random:
            rows = list(range(len(words)))
            table = np.random.default_rng(0).standard_normal((len(words), table.shape[1]), np.float32)
        self.row = dict(zip(words, rows, strict=True))
        norms = np.linalg.norm(table, axis=1, keepdims=True)
        self.unit = table / np.where(norms > 0, norms, 1)

    def matrix(self, words: Sequence[tuple[str, int]]) -> np.ndarray:
        return self.unit[[r for _, r in words if r >= 0]]


@cache
def _tokenizer():
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="small").tokenizer(SplitMode.C)


_WORDS: dict[str, tuple[tuple[str, int], ...]] = {}


def content_words(text: str, vectors: Vectors) -> tuple[tuple[str, int], ...]:
    """Distinct (normalised form, vector row or -1) of a text's content words."""
    found = _WORDS.get(text)
    if found is not None:
        return found
    out: dict[str, int] = {}
    for m in _tokenizer().tokenize(unicodedata.normalize("NFKC", text)[:2000]):
        pos, surface = m.part_of_speech(), m.surface()
        if pos[0] not in _CONTENT or pos[1] in _NOT_CONTENT or m.normalized_form() in _LIGHT \
                or m.dictionary_form() in _LIGHT or (len(surface) == 1 and not surface.isalnum()):
            continue
        forms = (m.dictionary_form(), m.normalized_form(), surface, surface.casefold(), surface.upper())
        out.setdefault(m.normalized_form().casefold(),
                       next((vectors.row[f] for f in forms if f in vectors.row), -1))
    found = _WORDS[text] = tuple(out.items())
    return found


class EntrySide:
    """Each entry's question-side words: their union, and each text's mean vector."""

    def __init__(self, entries: Sequence, vectors: Vectors) -> None:
        self.vectors = vectors
        self.words, self.means = {}, {}
        for e in entries:
            per_text = [content_words(t, vectors) for t in (e.question, *e.alternates)]
            self.words[e.id] = dict(w for ws in per_text for w in ws)
            self.means[e.id] = [m for ws in per_text if (m := self._mean(ws)) is not None]

    def _mean(self, words: Sequence[tuple[str, int]]) -> np.ndarray | None:
        mat = self.vectors.matrix(words)
        if not len(mat):
            return None
        v = mat.sum(axis=0)
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else None

    def features(self, query: str, ids: Sequence[str]) -> np.ndarray:
        """``wv_mean`` and ``wv_soft`` of each entry, relative to the best of ``ids``."""
        words = content_words(query, self.vectors)
        out = np.zeros((len(ids), 2))
        if not words:
            return out
        q_mean = self._mean(words)
        q_mat = self.vectors.unit[[max(r, 0) for _, r in words]]
        has = np.array([r >= 0 for _, r in words])
        for k, i in enumerate(ids):
            if q_mean is not None and self.means[i]:
                out[k, 0] = max(0.0, max(float(q_mean @ m) for m in self.means[i]))
            entry = self.words[i]
            mat = self.vectors.matrix(list(entry.items()))
            best = np.clip((q_mat @ mat.T).max(axis=1), 0, 1) if len(mat) else np.zeros(len(words))
            best = np.where(has, best, 0.0)
            best = np.where([w in entry for w, _ in words], 1.0, best)
            out[k, 1] = float(best.mean())
        top = out.max(axis=0)
        return np.divide(out, top, out=np.zeros_like(out), where=top > 0)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract", type=Path, metavar="DIR", help="write the table (needs ja-ginza)")
    parser.add_argument("--vectors", type=Path, metavar="DIR", help="the extracted table")
    parser.add_argument("--random", action="store_true", help="random vectors (the control)")
    parser.add_argument("--l2", type=float, default=2.0)
    parser.add_argument("--precision", type=float, default=0.96)
    args = parser.parse_args(argv)
    if args.extract:
        extract(args.extract)
        return
    if not args.vectors:
        parser.error("--vectors DIR (or --extract DIR first)")

    from bench.faq_bench import synthetic_entries
    from bench.faq_generalise import SETS, load_set
    from bench.fit_matcher import collect, report, train
    from bench.tokenizer_probe import char_bm25
    from knowledge.matcher import FEATURES

    vectors = Vectors(args.vectors, args.random)
    names = [s.name for s in SETS]
    base = {n: collect(n) for n in names}
    plus = {}
    for n in names:
        side = EntrySide(load_set(next(s for s in SETS if s.name == n))[0], vectors)
        plus[n] = [replace(q, feats=np.column_stack([q.feats, side.features(q.case.query, q.ids)]))
                   if q.ids else q for q in base[n]]
    six, eight = list(range(len(FEATURES))), list(range(len(FEATURES) + 2))
    print(f"{'random' if args.random else 'chiVe'} vectors, L2 {args.l2}; top-1 leave-one-set-out "
          "(gap over char BM25); answer precision / out-of-scope rejection")
    print(f"{'set':9}{'bm25':>8}{'matcher':>18}{'+vectors':>18}   prec/oos")
    gaps = []
    for held in names:
        m6 = train([base[n] for n in names if n != held], six, args.l2, args.precision, False)
        m8 = train([plus[n] for n in names if n != held], eight, args.l2, args.precision, False)
        r6, r8 = report(base[held], m6, six), report(plus[held], m8, eight)
        bm = char_bm25(held)[0]
        gaps.append((r6["top1"] - bm, r8["top1"] - bm))
        print(f"{held:9}{bm:8.3f}{r6['top1']:10.3f} ({r6['top1'] - bm:+.3f}){r8['top1']:10.3f} "
              f"({r8['top1'] - bm:+.3f})   {r6['prec']:.2f}/{r6['oos']:.2f} > {r8['prec']:.2f}/{r8['oos']:.2f}")
    print(f"mean gap {np.mean([g[0] for g in gaps]):+.3f} > {np.mean([g[1] for g in gaps]):+.3f}")
    final = train([plus[n] for n in names], eight, args.l2, args.precision, False)
    print(f"all five: weights {np.round(final.weights, 2).tolist()} bias {final.bias:.2f} "
          f"threshold {final.threshold} margin {final.margin}")

    entries = synthetic_entries(10_000)
    _WORDS.clear()
    started = time.perf_counter()
    side = EntrySide(entries, vectors)
    prepared = time.perf_counter() - started
    queries = [q.case.query for q in base["dev"]]
    ids = [e.id for e in entries[:40]]
    started = time.perf_counter()
    for q in queries:
        side.features(q, ids)
    per_query = (time.perf_counter() - started) * 1000 / len(queries)
    print(f"10,000 entries: entry side prepared in {prepared:.2f} s; features for a pool of 40: "
          f"{per_query:.2f} ms a query")


if __name__ == "__main__":
    main()
