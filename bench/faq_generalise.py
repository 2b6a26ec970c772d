"""Cross-domain check of the FAQ matcher: every evaluation set, matcher against BM25.

Run: ``.venv/bin/python bench/faq_generalise.py [--no-synonyms] [--sets dev,hr]``. Prints one
row per (set, system). The sets are the development set and the holdout on ``content/faq``
and the independently written corpora under ``tests/data/generalise/`` (each a ``faq/``
directory and a ``queries.csv``; they ship no synonym dictionary). The BM25 baseline's answer
threshold is chosen per set, with hindsight (the lowest score whose answers are ≥95% right),
which flatters it; the matcher keeps its default settings everywhere.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.faq_bench import (  # noqa: E402
    Bm25,
    OurMatcher,
    Ranked,
    Row,
    choose_threshold,
    run,
    summarise,
)
from knowledge.evaluate import Case, load_cases  # noqa: E402
from knowledge.faq import FaqEntry, load_faq  # noqa: E402

DATA = ROOT / "tests" / "data"


@dataclass(frozen=True, slots=True)
class EvalSet:
    """A FAQ and labelled queries written for it."""

    name: str
    faq: Path
    cases: Path


SETS = (
    EvalSet("dev", ROOT / "content" / "faq", DATA / "faq_eval.csv"),
    EvalSet("holdout", ROOT / "content" / "faq", DATA / "faq_holdout.csv"),
    EvalSet("hr", DATA / "generalise" / "hr" / "faq", DATA / "generalise" / "hr" / "queries.csv"),
    EvalSet(
        "resident",
        DATA / "generalise" / "resident" / "faq",
        DATA / "generalise" / "resident" / "queries.csv",
    ),
    EvalSet("it", DATA / "generalise" / "it" / "faq", DATA / "generalise" / "it" / "queries.csv"),
)


def load_set(s: EvalSet, synonyms: bool = True) -> tuple[list[FaqEntry], list, list[Case]]:
    """Entries, synonym groups and cases of one set."""
    load = load_faq(s.faq, similar_limit=0)
    if load.errors:
        raise SystemExit(f"{s.faq}: {load.errors[:3]}")
    groups = load.synonym_groups if synonyms else []
    return list(load.entries), list(groups), load_cases(s.cases)


def evaluate_set(s: EvalSet, synonyms: bool = True) -> list[Row]:
    """Rows for the matcher and BM25 on one set."""
    entries, groups, cases = load_set(s, synonyms)
    rows = []
    for system in (OurMatcher(), Bm25()):
        system.build(entries, groups)
        results, times = run(system, cases)
        if isinstance(system, Bm25):
            threshold = choose_threshold(results, cases)
            results = [Ranked(r.ids, r.score >= threshold, r.score) for r in results]
        rows.append(summarise(system.name, len(entries), cases, results, times, 0.0, 0.0))
    return rows


def pooled_rows(sets: Sequence[EvalSet], synonyms: bool = True) -> list[tuple[str, Row]]:
    """Every set's queries against one FAQ pooling all the sets' entries (ids prefixed by the
    FAQ's folder): a larger FAQ whose neighbours come from other domains, nearer to a FAQ of
    thousands of entries than any one set. Out-of-scope queries of one set may be answered by
    another set's entries, so only top-1 and recall@3 compare fairly here."""
    entries: list[FaqEntry] = []
    groups: list = []
    prefix: dict[Path, str] = {}
    for s in sets:
        if s.faq in prefix:
            continue
        prefix[s.faq] = s.name
        own, own_groups, _ = load_set(s, synonyms)
        entries += [replace(e, id=f"{s.name}:{e.id}", follow_ups=()) for e in own]
        groups += own_groups
    rows = []
    for system in (OurMatcher(), Bm25()):
        system.build(entries, groups)
        for s in sets:
            cases = [replace(c, expected=frozenset(f"{prefix[s.faq]}:{i}" for i in c.expected))
                     for c in load_cases(s.cases)]
            results, times = run(system, cases)
            if isinstance(system, Bm25):
                threshold = choose_threshold(results, cases)
                results = [Ranked(r.ids, r.score >= threshold, r.score) for r in results]
            rows.append((s.name, summarise(system.name, len(entries), cases, results, times, 0.0, 0.0)))
    return sorted(rows, key=lambda row: [s.name for s in sets].index(row[0]))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-synonyms", action="store_true", help="ignore synonyms.yaml")
    parser.add_argument("--sets", default=",".join(s.name for s in SETS))
    parser.add_argument("--pooled", action="store_true",
                        help="one FAQ of all the sets' entries, each set's queries against it")
    args = parser.parse_args(argv)
    wanted = set(args.sets.split(","))
    print(
        f"{'set':9} {'system':8} {'entries':>7} {'queries':>7} {'top-1':>6} {'rec@3':>6} "
        f"{'ans.prec':>8} {'OOS rej':>7} {'p50 ms':>7} {'p99 ms':>7}"
    )
    chosen = [s for s in SETS if s.name in wanted]
    if args.pooled:
        found = pooled_rows(chosen, synonyms=not args.no_synonyms)
    else:
        found = [(s.name, row) for s in chosen for row in evaluate_set(s, synonyms=not args.no_synonyms)]
    for name, row in found:
        print(
            f"{name:9} {row.system:8} {row.size:>7} {row.queries:>7} {row.top1:>6.3f} "
            f"{row.recall3:>6.3f} {row.precision:>8.3f} {row.oos_rejection:>7.3f} "
            f"{row.p50:>7.2f} {row.p99:>7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
