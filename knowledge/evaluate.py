"""Measure a matcher against labelled queries, and explain one query's ranking.

Cases come from a table (CSV/XLSX/YAML) with columns ``query`` and ``expected_id``; several
acceptable ids are separated by ``|``; an empty id marks a query the FAQ should not answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.faq import clean_id
from knowledge.matcher import Matcher
from knowledge.sources import DataFileError, Location, read_records, split_multi

CASE_ALIASES = {
    "query": "query",
    "question": "query",
    "質問": "query",
    "問い合わせ": "query",
    "expected_id": "expected_id",
    "expected": "expected_id",
    "expected_ids": "expected_id",
    "正解id": "expected_id",
    "期待id": "expected_id",
    "正解": "expected_id",
}


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled query; ``expected`` empty means out of scope."""

    query: str
    expected: frozenset[str]
    location: Location | None = field(default=None, compare=False)

    @property
    def in_scope(self) -> bool:
        return bool(self.expected)


@dataclass(frozen=True, slots=True)
class Miss:
    """A case the matcher got wrong: the top entry (if any) and the band it fell in."""

    case: Case
    top: str | None
    band: str


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Accuracy, answer-band quality and latency over a set of cases."""

    cases: int
    in_scope: int
    out_of_scope: int
    top1: float
    recall3: float
    answer_precision: float
    answered: int
    oos_rejection: float
    p50_ms: float
    p99_ms: float
    # in-scope cases whose top entry was wrong, and out-of-scope cases that were answered
    misses: tuple[Miss, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "top1": round(self.top1, 4),
            "recall3": round(self.recall3, 4),
            "answer_precision": round(self.answer_precision, 4),
            "oos_rejection": round(self.oos_rejection, 4),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "cases": self.cases,
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "answered": self.answered,
        }


def load_cases(path: Path) -> list[Case]:
    """Read labelled queries; rows without a query are an error naming the row. The expected
    column is required even if every case is out of scope: without it, a misnamed column
    would make every case out of scope and the score perfect."""
    cases = []
    for record in read_records(Path(path), CASE_ALIASES, required=("query", "expected_id")):
        if "query" not in record.data:  # no such column: the header is at fault, not the row
            raise DataFileError(Location(Path(path).name, 1), "見出しに query (質問) の列がありません")
        query = str(record.get("query") or "").strip()
        if not query:
            raise DataFileError(record.location, "query (質問) が空です")
        expected = frozenset(map(clean_id, split_multi(record.get("expected_id"))))
        cases.append(Case(query, expected, record.location))
    return cases


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[rank]


def evaluate(matcher: Matcher, cases: list[Case]) -> EvalReport:
    """Run every case; top-1/recall@3 count in-scope queries, answer precision all answers."""
    top1 = recall3 = answered = answered_right = rejected = 0
    latencies: list[float] = []
    misses: list[Miss] = []
    for case in cases:
        start = time.perf_counter()
        result = matcher.match(case.query, limit=3)
        latencies.append((time.perf_counter() - start) * 1000)
        ids = [c.entry.id for c in result.candidates]
        is_answer = result.band == "answer"
        if case.in_scope:
            right = bool(ids) and ids[0] in case.expected
            top1 += right
            recall3 += any(i in case.expected for i in ids[:3])
            answered += is_answer
            answered_right += is_answer and right
        else:
            answered += is_answer
            rejected += not is_answer
            right = not is_answer
        if not right:
            misses.append(Miss(case, ids[0] if ids else None, result.band))
    n_in = sum(c.in_scope for c in cases)
    n_out = len(cases) - n_in
    return EvalReport(
        cases=len(cases),
        in_scope=n_in,
        out_of_scope=n_out,
        top1=_ratio(top1, n_in),
        recall3=_ratio(recall3, n_in),
        answer_precision=_ratio(answered_right, answered),
        answered=answered,
        oos_rejection=_ratio(rejected, n_out),
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        misses=tuple(misses),
    )


SHOWN_MISSES = 20
_BANDS = {"answer": "回答", "clarify": "候補を提示", "none": "該当なし"}


def format_report(report: EvalReport) -> str:
    """A short Japanese/English table for the terminal, then the cases it got wrong."""

    def share(value: float, whole: int) -> str:
        return f"{value:.1%}" if whole else "- (対象の質問なし)"

    lines = [
        f"件数 cases           {report.cases} (範囲内 {report.in_scope} / 範囲外 {report.out_of_scope})",
        f"top-1 正解率          {share(report.top1, report.in_scope)}",
        f"recall@3             {share(report.recall3, report.in_scope)}",
        f"回答の適合率 precision {share(report.answer_precision, report.answered)} ({report.answered} 件回答)",
        f"範囲外の棄却率         {share(report.oos_rejection, report.out_of_scope)}",
        f"応答時間 p50 / p99     {report.p50_ms:.2f} ms / {report.p99_ms:.2f} ms",
    ]
    if report.misses:
        lines.append(f"外れた質問 {len(report.misses)} 件" + (f" (先頭 {SHOWN_MISSES} 件)"
                                                         if len(report.misses) > SHOWN_MISSES else ""))
    for miss in report.misses[:SHOWN_MISSES]:
        where = f"{miss.case.location}  " if miss.case.location else ""
        wanted = "・".join(sorted(miss.case.expected)) if miss.case.in_scope else "範囲外"
        lines.append(f"  {where}「{miss.case.query}」 正解 {wanted} → 1 位 {miss.top or 'なし'} "
                     f"({_BANDS.get(miss.band, miss.band)})")
    return "\n".join(lines)


def explain(matcher: Matcher, query: str, limit: int = 5) -> str:
    """The ranking for one query, for the ``ask`` command."""
    result = matcher.match(query, limit=limit)
    band = {"answer": "回答", "clarify": "確認 (候補を提示)", "none": "該当なし"}[result.band]
    s = matcher.settings
    lines = [f"質問: {query}", f"正規化: {result.normalized}", f"判定: {band} ({result.band})",
             f"基準: 回答は {s.answer_threshold:g} 以上で 2 位との差が {s.answer_margin:g} 以上、"
             f"候補の提示は {s.clarify_threshold:g} 以上"]
    if not result.candidates:
        lines.append("候補なし")
    for rank, cand in enumerate(result.candidates, start=1):
        lines.append(f"{rank}. {cand.score:.3f}  {cand.entry.id}  {cand.entry.question}")
        lines.append(f"     {cand.why}")
    return "\n".join(lines)
