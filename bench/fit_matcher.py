"""Fit the matcher's ranking weights and answer thresholds, with leave-one-set-out checks.

Run: ``.venv/bin/python bench/fit_matcher.py [--features cov,prec,...] [--l2 2] [--listwise]``
(the matcher's constants come from the defaults). For every
evaluation set of :mod:`bench.faq_generalise` (dev, holdout, hr, resident, it) it collects the
feature rows :meth:`knowledge.matcher.Matcher.feature_table` gives each pooled entry (label:
the entry is an expected answer). Then:

1. **leave one set out** — for each set, a logistic regression (L2, Newton's method in numpy)
   is fitted on the other four, the answer threshold and margin are chosen on those four
   (the most right answers with pooled answer precision ≥ ``--precision``), and the held-out
   set is scored with them: the honest estimate of how the matcher does on a FAQ it has not
   seen (dev and holdout share one FAQ, so their rows flatter it a little);
2. **final fit** — the same on all five sets; the weights, bias and thresholds it prints are
   the constants of ``knowledge/matcher.py`` (``_FEATURES``, ``_WEIGHTS``, ``_BIAS``) and the
   defaults of ``MatchSettings``.

The BM25 baseline rows are those of ``bench/faq_generalise.py`` (threshold chosen per set
with hindsight). Everything is deterministic; no scikit-learn is needed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.faq_bench import Bm25, Ranked, choose_threshold, run, summarise  # noqa: E402
from bench.faq_generalise import SETS, load_set  # noqa: E402
from knowledge.evaluate import Case  # noqa: E402
from knowledge.matcher import FEATURES, Matcher  # noqa: E402

THRESHOLDS = np.round(np.arange(0.30, 0.96, 0.05), 2)
QUERY_FEATURES = ("unknown",)  # the same for every entry of a query's pool
MARGINS = np.round(np.arange(0.0, 0.51, 0.05), 2)


@dataclass(frozen=True, slots=True)
class Query:
    """One labelled query: its pooled entry ids, their feature rows and labels."""

    case: Case
    ids: tuple[str, ...]
    feats: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True, slots=True)
class Model:
    weights: np.ndarray  # over the chosen columns
    bias: float
    threshold: float
    margin: float


def collect(name: str) -> list[Query]:
    """Feature rows of every query of one set (the pool does not depend on the weights)."""
    entries, groups, cases = load_set(next(s for s in SETS if s.name == name))
    matcher = Matcher.build(entries, groups)
    queries = []
    for case in cases:
        table = matcher.feature_table(case.query)
        ids = tuple(i for i, _ in table)
        feats = np.array([f for _, f in table]).reshape(len(table), len(FEATURES))
        labels = np.array([i in case.expected for i in ids], dtype=np.float64)
        queries.append(Query(case, ids, feats, labels))
    return queries


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, iters: int = 60) -> np.ndarray:
    """L2-regularised logistic regression (bias unpenalised) by Newton's method."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    penalty = np.r_[np.full(x.shape[1], l2), 0.0]
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(x1 @ w)))
        grad = x1.T @ (p - y) + penalty * w
        hess = (x1 * (p * (1 - p))[:, None]).T @ x1 + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def fit_listwise(
    queries: Sequence[Query], cols: list[int], l2: float, iters: int = 100
) -> np.ndarray:
    """Ranking weights: a conditional logit (softmax over each query's pool, the expected
    entries as the targets) with an L2 penalty, by damped Newton steps."""
    groups = [(q.feats[:, cols], q.labels > 0) for q in queries if q.labels.any()]

    def loss(w: np.ndarray) -> float:
        total = 0.5 * l2 * float(w @ w)
        for x, y in groups:
            z = x @ w
            top = z.max()
            total += np.log(np.exp(z - top).sum()) - np.log(np.exp(z[y] - top).sum())
        return total

    w = np.zeros(len(cols))
    current = loss(w)
    for _ in range(iters):
        grad, hess = l2 * w, l2 * np.eye(len(cols))
        for x, y in groups:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            t = np.where(y, p, 0.0)
            t /= t.sum()
            mean = p @ x
            grad += mean - t @ x
            hess += (x * p[:, None]).T @ x - np.outer(mean, mean)
        step = np.linalg.solve(hess, grad)
        size = 1.0
        while size > 1e-4 and loss(w - size * step) > current:
            size /= 2
        w -= size * step
        new = loss(w)
        if current - new < 1e-9:
            break
        current = new
    return w


def ranked(q: Query, weights: np.ndarray, bias: float, cols: list[int]) -> list[tuple[float, str]]:
    """The matcher's ranking of one query: (score, id), best first, ties by id."""
    if not q.ids:
        return []
    scores = np.round(1 / (1 + np.exp(-(q.feats[:, cols] @ weights + bias))), 4)
    return sorted(zip((-scores).tolist(), q.ids, strict=True))


def outcomes(
    queries: Sequence[Query], weights, bias, cols
) -> list[tuple[bool, bool, bool, float, float]]:
    """Per query: in scope, top-1 right, right in top 3, top score, margin over the next."""
    out = []
    for q in queries:
        r = ranked(q, weights, bias, cols)
        ids = [i for _, i in r]
        top = -r[0][0] if r else 0.0
        margin = top - (-r[1][0] if len(r) > 1 else 0.0)
        right = bool(ids) and ids[0] in q.case.expected
        three = any(i in q.case.expected for i in ids[:3])
        out.append((q.case.in_scope, right, three, top, margin))
    return out


def band_counts(rows, threshold: float, margin: float) -> tuple[int, int, int, int]:
    """Answers, right answers, out-of-scope queries and those rejected."""
    answered = right = oos = rejected = 0
    for in_scope, ok, _, top, gap in rows:
        answer = top >= threshold and gap >= margin
        answered += answer
        right += answer and in_scope and ok
        oos += not in_scope
        rejected += not in_scope and not answer
    return answered, right, oos, rejected


def choose_bands(rows_by_set: Sequence[list], precision: float) -> tuple[float, float]:
    """The threshold and margin giving the most right answers, with answer precision at least
    ``precision`` on the training sets pooled and no lower than ``precision - 0.02`` on any
    one of them (a band that only holds on average does not transfer)."""
    best = (-1, 0.0, 0.0)
    for t in THRESHOLDS:
        for m in MARGINS[t >= MARGINS]:  # a margin above the threshold would raise it
            counts = [band_counts(rows, float(t), float(m)) for rows in rows_by_set]
            answered = sum(c[0] for c in counts)
            right = sum(c[1] for c in counts)
            worst = min((c[1] / c[0] for c in counts if c[0]), default=1.0)
            ok = answered and right / answered >= precision and worst >= precision - 0.02
            if ok and right > best[0]:
                best = (right, float(t), float(m))
    return best[1], best[2]


def train(
    sets: Sequence[list[Query]], cols: list[int], l2: float, precision: float, listwise: bool
) -> Model:
    queries = [q for qs in sets for q in qs]
    usable = [q for q in queries if q.ids]
    x = np.vstack([q.feats[:, cols] for q in usable])
    y = np.concatenate([q.labels for q in usable])
    if listwise:
        # Rank with the conditional logit (a per-query constant such as "unknown" cannot
        # rank, so it gets no weight there), then calibrate that score, plus the constant
        # features, to a probability (Platt scaling).
        direction = fit_listwise(usable, cols, l2)
        const = [k for k, c in enumerate(cols) if FEATURES[c] in QUERY_FEATURES]
        calib = fit_logistic(np.column_stack((x @ direction, x[:, const])), y, 0.0)
        w = direction * calib[0]
        w[const] += calib[1:-1]
        w = np.r_[w, calib[-1]]
    else:
        w = fit_logistic(x, y, l2)
    rows = [outcomes(qs, w[:-1], w[-1], cols) for qs in sets]
    threshold, margin = choose_bands(rows, precision)
    return Model(w[:-1], float(w[-1]), threshold, margin)


def report(queries: Sequence[Query], model: Model, cols: list[int]) -> dict[str, float]:
    rows = outcomes(queries, model.weights, model.bias, cols)
    inscope = [r for r in rows if r[0]]
    answered, right, oos, rejected = band_counts(rows, model.threshold, model.margin)
    return {
        "top1": sum(r[1] for r in inscope) / len(inscope),
        "rec3": sum(r[2] for r in inscope) / len(inscope),
        "prec": right / answered if answered else 1.0,
        "oos": rejected / oos if oos else 1.0,
        "answered": answered,
    }


def bm25_row(name: str) -> dict[str, float]:
    entries, groups, cases = load_set(next(s for s in SETS if s.name == name))
    system = Bm25()
    system.build(entries, groups)
    results, times = run(system, cases)
    threshold = choose_threshold(results, cases)
    results = [Ranked(r.ids, r.score >= threshold, r.score) for r in results]
    row = summarise("bm25", len(entries), cases, results, times, 0.0, 0.0)
    return {"top1": row.top1, "rec3": row.recall3, "prec": row.precision, "oos": row.oos_rejection}


def print_table(title: str, ours: dict[str, dict], bm25: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"{'set':9} {'top-1':>13} {'rec@3':>13} {'ans.prec':>13} {'OOS rej':>13} {'answered':>8}")
    for name, r in ours.items():
        b = bm25[name]
        cells = " ".join(
            f"{r[k]:.3f}/{b[k]:.3f}".rjust(13) for k in ("top1", "rec3", "prec", "oos")
        )
        print(
            f"{name:9} {cells} {r['answered']:>8}   (matcher/bm25; gap {r['top1'] - b['top1']:+.3f})"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default=",".join(FEATURES), help="columns to use")
    parser.add_argument("--l2", type=float, default=2.0, help="L2 penalty on the weights")
    parser.add_argument("--precision", type=float, default=0.96, help="pooled answer precision")
    parser.add_argument("--listwise", action="store_true", help="rank by a conditional logit")
    parser.add_argument("--no-bm25", action="store_true", help="skip the baseline rows")
    args = parser.parse_args(argv)
    names = [s.name for s in SETS]
    cols = [FEATURES.index(f) for f in args.features.split(",")]
    data = {n: collect(n) for n in names}
    empty = {"top1": 0.0, "rec3": 0.0, "prec": 0.0, "oos": 0.0}
    bm25 = {n: (empty if args.no_bm25 else bm25_row(n)) for n in names}

    loso = {}
    for held in names:
        model = train(
            [data[n] for n in names if n != held], cols, args.l2, args.precision, args.listwise
        )
        loso[held] = report(data[held], model, cols) | {"t": model.threshold, "m": model.margin}
    print_table("leave one set out (fitted on the other four)", loso, bm25)
    mean_gap = np.mean([loso[n]["top1"] - bm25[n]["top1"] for n in names])
    print(
        f"mean top-1 gap over BM25 {mean_gap:+.3f}; thresholds/margins",
        {n: (r["t"], r["m"]) for n, r in loso.items()},
    )

    final = train([data[n] for n in names], cols, args.l2, args.precision, args.listwise)
    print_table("fitted on all five", {n: report(data[n], final, cols) for n in names}, bm25)
    print(f"\n_FEATURES = {tuple(FEATURES[c] for c in cols)}")
    print(f"_WEIGHTS = np.array({np.round(final.weights, 2).tolist()})")
    print(f"_BIAS = {final.bias:.2f}")
    print(f"answer_threshold={final.threshold}, answer_margin={final.margin}")


if __name__ == "__main__":
    main()
