"""Build ``knowledge/data/wordvec.npz``, the word vectors of :mod:`knowledge.wordvec`.

The source is the chiVe table inside the PyPI package ``ja-ginza`` 5.3.0 (Apache-2.0; 20,000
vectors of 300 dims for 480,443 words, most frequent first). ja-ginza pins sudachipy < 0.7,
which breaks this project's Sudachi dictionary, so the table is taken out in a scratch
virtualenv, then reduced with the project's own::

    python -m venv /tmp/ginza && /tmp/ginza/bin/pip install ja-ginza==5.3.0
    /tmp/ginza/bin/python bench/wordvec_table.py extract /tmp/chive
    .venv/bin/python bench/wordvec_table.py export /tmp/chive [knowledge/data/wordvec.npz]

``export`` keeps the words :func:`knowledge.wordvec.words` can look up: a lookup form of a
content word of Sudachi's small dictionary, or, among the 100,000 most frequent, a word that
is one content word on its own (katakana and Latin names the dictionary lacks: ログイン, WiFi).
That is 166k words; the vectors they use are reduced to 64 dims (centred PCA) and stored as
int8 (each row is normalised when read, so its scale does not matter): about 2 MB compressed.

Measured with ``bench/fit_matcher.py`` (leave one set out; 2026-11-27), the mean top-1 gap over
BM25 was +0.127 with the full 300-dim table and with this one; 32 dims fell to +0.120, and
random vectors in place of chiVe gave +0.111 (the six features alone: +0.103).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DIMS = 64
FREQUENT = 100_000


def extract(out: Path) -> None:
    """Write ja_ginza's table as words.txt (frequency order), rows.npy and vectors.npy."""
    import spacy  # only in the scratch virtualenv

    nlp = spacy.load("ja_ginza", exclude=["parser", "ner", "morphologizer", "compound_splitter",
                                          "bunsetu_recognizer"])
    vectors = nlp.vocab.vectors
    pairs = [(nlp.vocab.strings[k], row) for k, row in vectors.key2row.items()]
    pairs = [(w, r) for w, r in pairs if "\n" not in w]
    out.mkdir(parents=True, exist_ok=True)
    (out / "words.txt").write_text("".join(w + "\n" for w, _ in pairs), encoding="utf-8")
    np.save(out / "rows.npy", np.array([r for _, r in pairs], dtype=np.int32))
    np.save(out / "vectors.npy", np.asarray(vectors.data, dtype=np.float32))
    print(f"{len(pairs):,} words, table {vectors.data.shape} -> {out}")


def _reachable(words: list[str]) -> set[str]:
    """The words a content word's lookup forms can be: from the dictionary, or typed alone."""
    from sudachipy import SplitMode

    from knowledge.readings import sudachi_dictionary
    from knowledge.wordvec import is_content, lookup_forms

    dictionary = sudachi_dictionary()
    if dictionary is None:
        raise SystemExit("Sudachi の辞書を読み込めません")
    known = set(words)
    keep: set[str] = set()
    for m in dictionary.entries():
        forms = (m.surface(), m.dictionary_form(), m.normalized_form())
        if is_content(*forms, m.part_of_speech()):
            keep.update(f for f in lookup_forms(*forms) if f in known)
    tokenizer = dictionary.tokenizer(SplitMode.C)
    for word in words[:FREQUENT]:
        found = tokenizer.tokenize(unicodedata.normalize("NFKC", word))
        if len(found) == 1:
            m = found[0]
            forms = (m.surface(), m.dictionary_form(), m.normalized_form())
            if is_content(*forms, m.part_of_speech()) and word in lookup_forms(*forms):
                keep.add(word)
    return keep


def export(source: Path, target: Path) -> None:
    """Reduce the extracted table to what the matcher can use, and save it for the product."""
    words = (source / "words.txt").read_text(encoding="utf-8").splitlines()
    rows = np.load(source / "rows.npy")
    table = np.load(source / "vectors.npy").astype(np.float32)
    keep = _reachable(words)
    index = np.array([i for i, w in enumerate(words) if w in keep])
    used, new_rows = np.unique(rows[index], return_inverse=True)
    order = np.lexsort((index, new_rows))  # by vector, then frequency: rows compress to little
    centred = table[used] - table[used].mean(axis=0)
    _, _, basis = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ basis[:DIMS].T
    scale = np.abs(reduced).max(axis=1, keepdims=True)
    vectors = np.round(reduced / np.where(scale > 0, scale, 1) * 127).astype(np.int8)
    blob = "\n".join(words[i] for i in index[order]).encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(target, words=np.frombuffer(blob, dtype=np.uint8),
                        rows=new_rows[order].astype(np.int32), vectors=vectors)
    print(f"{len(index):,} of {len(words):,} words, {len(used):,} vectors x {DIMS} dims -> {target} "
          f"({target.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="take the table out of ja_ginza (in a scratch virtualenv)")
    p.add_argument("out", type=Path)
    p = sub.add_parser("export", help="reduce it to knowledge/data/wordvec.npz")
    p.add_argument("source", type=Path)
    p.add_argument("target", type=Path, nargs="?", default=ROOT / "knowledge" / "data" / "wordvec.npz")
    args = parser.parse_args()
    if args.command == "extract":
        extract(args.out)
    else:
        export(args.source, args.target)


if __name__ == "__main__":
    main()
