"""The admin report on tickets: volume per unit and department, time to claim and to resolve
(median and 90th percentile), the open backlog and the most escalated topics."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.tickets import ACTIVE, CLOSED, RESOLVED, STATUS_LABELS, STATUSES, Ticket

NO_TOPIC = "（FAQ 候補なし）"
@dataclass(frozen=True, slots=True)
class Durations:
    """Median and 90th percentile in minutes (None without data)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, minutes: Sequence[float]) -> Durations:
        if not minutes:
            return cls(0, None, None)
        data = sorted(minutes)
        p90 = data[0] if len(data) == 1 else statistics.quantiles(data, n=10, method="inclusive")[8]
        return cls(len(data), statistics.median(data), p90)


@dataclass(frozen=True, slots=True)
class Row:
    """One group (a unit, a department, or everything)."""

    name: str
    tickets: int
    unresolved: int  # not yet resolved or cancelled (the backlog's 未解決)
    resolved: int
    to_claim: Durations
    to_resolve: Durations


@dataclass
class Report:
    since: datetime | None
    until: datetime | None
    total: Row
    departments: list[Row] = field(default_factory=list)
    units: list[Row] = field(default_factory=list)
    backlog: dict[str, int] = field(default_factory=dict)
    oldest_open_minutes: float | None = None
    topics: list[tuple[str, int]] = field(default_factory=list)


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60


def _row(name: str, tickets: Sequence[Ticket]) -> Row:
    claim = [m for t in tickets if (m := _minutes(t.created_at, t.claimed_at)) is not None]
    resolve = [m for t in tickets if t.status == RESOLVED
               and (m := _minutes(t.created_at, t.resolved_at)) is not None]
    return Row(
        name, len(tickets), sum(t.status not in CLOSED for t in tickets),
        sum(t.status == RESOLVED for t in tickets), Durations.of(claim), Durations.of(resolve),
    )


def _grouped(tickets: Iterable[Ticket], key: str, label: str) -> list[Row]:
    groups: dict[str, list[Ticket]] = defaultdict(list)
    for t in tickets:
        groups[getattr(t, label) or getattr(t, key) or "（不明）"].append(t)
    rows = [_row(name, items) for name, items in groups.items()]
    return sorted(rows, key=lambda r: (-r.tickets, r.name))


def build(tickets: Sequence[Ticket], now: datetime, since: datetime | None = None,
          until: datetime | None = None, top_topics: int = 10) -> Report:
    """The report over ``tickets`` (already limited to the period)."""
    backlog = {s: sum(t.status == s for t in tickets) for s in STATUSES if s not in CLOSED}
    waiting = [_minutes(t.created_at, now) for t in tickets if t.status in ACTIVE]
    topics = Counter(t.topic or NO_TOPIC for t in tickets)
    return Report(
        since, until, _row("合計", tickets),
        _grouped(tickets, "department_code", "department_name"),
        _grouped(tickets, "unit_code", "unit_name"),
        backlog, max((w for w in waiting if w is not None), default=None),
        sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))[:top_topics],
    )


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


_COLUMNS = ("件数", "未解決", "解決", "受付まで 中央値(分)", "受付まで 90%(分)",
            "解決まで 中央値(分)", "解決まで 90%(分)")


def _cells(row: Row) -> list[str]:
    return [str(row.tickets), str(row.unresolved), str(row.resolved), fmt(row.to_claim.median),
            fmt(row.to_claim.p90), fmt(row.to_resolve.median), fmt(row.to_resolve.p90)]


def to_markdown(report: Report, period: str) -> str:
    lines = [f"## 相談の集計 ({period})", ""]
    for title, rows in (("全体", [report.total]), ("部局別", report.departments), ("所属別", report.units)):
        lines += [f"### {title}", "", "| 区分 | " + " | ".join(_COLUMNS) + " |",
                  "|---" * (len(_COLUMNS) + 1) + "|"]
        lines += ["| " + " | ".join([r.name, *_cells(r)]) + " |" for r in rows]
        lines.append("")
    lines += ["### 未解決", "", f"- {backlog_line(report)}",
              "- 最も古い未対応: " + ("なし" if report.oldest_open_minutes is None
                                     else f"{fmt(report.oldest_open_minutes)} 分"), "",
              "### よく相談される話題", ""]
    lines += [f"{i}. {topic} ({count} 件)" for i, (topic, count) in enumerate(report.topics, 1)]
    return "\n".join(lines).rstrip() + "\n"


def backlog_line(report: Report) -> str:
    """「未解決 3 件（対応待ち 1・対応中 1・回答済み 1・再確認中 0）」"""
    parts = "・".join(f"{STATUS_LABELS[k]} {v}" for k, v in report.backlog.items())
    return f"未解決 {sum(report.backlog.values())} 件（{parts}）"


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["区分", "名前", *_COLUMNS])
    writer.writerow(["全体", *[report.total.name, *_cells(report.total)]])
    for kind, rows in (("部局", report.departments), ("所属", report.units)):
        for r in rows:
            writer.writerow([kind, r.name, *_cells(r)])
    for status, count in report.backlog.items():
        writer.writerow(["未解決", STATUS_LABELS[status], count])
    for topic, count in report.topics:
        writer.writerow(["話題", topic, count])
    return out.getvalue()
