"""Rosters and per-course summaries for admins, and their CSV / XLSX files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import case, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enrolment import Enrolment
from domain.enrolment_rules import ACTIVE, ENROLLED, PENDING, WAITLISTED, Slot, slots_of
from knowledge.catalogue import TOKYO, Catalogue

ROSTER_HEADERS = ("氏名", "所属", "職位", "UPN", "状態", "申込日時")


@dataclass(frozen=True, slots=True)
class RosterRow:
    name: str
    unit: str
    tier: str
    upn: str
    status: str
    position: int | None
    applied_at: datetime


async def roster(db: AsyncSession, slot: Slot) -> list[RosterRow]:
    """Active enrolments of a slot: enrolled, pending, then the waitlist in order."""
    order = case({ENROLLED: 0, PENDING: 1, WAITLISTED: 2}, value=Enrolment.status)
    rows = await db.execute(
        select(Enrolment)
        .where(Enrolment.session_id == slot.id, Enrolment.status.in_(ACTIVE))
        .order_by(order, Enrolment.id)
    )
    result, waiting = [], 0
    for e in rows.scalars():
        waiting += e.status == WAITLISTED
        result.append(RosterRow(
            e.name, e.unit_name or e.unit_code or "", e.tier or "", e.upn or "", e.status,
            waiting if e.status == WAITLISTED else None, e.created_at,
        ))
    return result


@dataclass(frozen=True, slots=True)
class CourseSummary:
    course_id: str
    title: str
    enrolled: int
    pending: int
    waitlisted: int
    capacity: int


async def summary(db: AsyncSession, catalogue: Catalogue) -> list[CourseSummary]:
    """Per course of the catalogue: enrolled, pending, waitlisted and total capacity."""
    rows = await db.execute(
        select(Enrolment.course_id, Enrolment.status, func.count())
        .where(Enrolment.status.in_(ACTIVE)).group_by(Enrolment.course_id, Enrolment.status)
    )
    counts: dict[tuple[str, str], int] = {(c, s): int(n) for c, s, n in rows.all()}
    return [
        CourseSummary(
            c.id, c.title, counts.get((c.id, ENROLLED), 0), counts.get((c.id, PENDING), 0),
            counts.get((c.id, WAITLISTED), 0), sum(s.capacity for s in slots_of(c)),
        )
        for c in catalogue.courses
    ]


def _cells(row: RosterRow, label: Callable[[str, int | None], str]) -> list[str]:
    applied = row.applied_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    return [row.name, row.unit, row.tier, row.upn, label(row.status, row.position), applied]


def roster_csv(rows: Sequence[RosterRow], label: Callable[[str, int | None], str]) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Japanese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ROSTER_HEADERS)
    writer.writerows(_cells(r, label) for r in rows)
    return buffer.getvalue().encode("utf-8-sig")


def roster_xlsx(rows: Sequence[RosterRow], label: Callable[[str, int | None], str],
                title: str, path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名簿"
    sheet.append([title])
    sheet.append(list(ROSTER_HEADERS))
    for r in rows:
        sheet.append(_cells(r, label))
    for index, width in enumerate((16, 20, 14, 34, 20, 18), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    workbook.save(path)
