"""Business time: office hours, working days, Japanese public holidays and year-end closure.

Deadlines for tickets (claim within two business hours, auto-resolve after three business
days) count only the minutes inside office hours on working days. Public holidays come from
the ``holidays`` library (``holidays.Japan()``); extra closed days (年末年始) are configurable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

JST = ZoneInfo("Asia/Tokyo")

_DAY_NAMES = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6,
}
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
#: Closed every year besides public holidays: 12/29–1/3 (年末年始の休庁日; 1/1 is a holiday).
DEFAULT_CLOSED = "12-29,12-30,12-31,01-02,01-03"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")


def parse_hours(text: str) -> tuple[time, time]:
    """``"08:30-17:15"`` → (08:30, 17:15); the start must be before the end."""
    match = _HOURS.match(_fold(text).replace("〜", "-").replace("~", "-"))
    if not match:
        raise ValueError(f"業務時間「{text}」が読めません (例: 08:30-17:15)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"業務時間「{text}」の時刻が正しくありません (例: 08:30-17:15)") from None
    if start >= end:
        raise ValueError(f"業務時間「{text}」は開始が終了より前になるようにしてください")
    return start, end


def _day(name: str, whole: str) -> int:
    key = name[:3] if name.isascii() else name[:1]
    if key not in _DAY_NAMES:
        raise ValueError(f"業務日「{whole}」の「{name}」が曜日として読めません (例: mon-fri、月-金)")
    return _DAY_NAMES[key]


def parse_days(text: str) -> frozenset[int]:
    """``"mon-fri"``, ``"月-金"``, ``"月,火,水,木,金"``, ``"月火水木金"`` → weekday numbers (Mon=0)."""
    folded = _fold(text).replace("〜", "-").replace("~", "-").replace("、", ",")
    parts = [p for p in re.split(r"[,/]", folded) if p]
    if len(parts) == 1 and "-" not in parts[0] and not parts[0].isascii():
        parts = list(parts[0])  # 月火水木金
    days: set[int] = set()
    for part in parts:
        if "-" in part:
            first, last = (_day(p, text) for p in part.split("-", 1))
            days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)])
        else:
            days.add(_day(part, text))
    if not days:
        raise ValueError(f"業務日「{text}」に曜日がありません (例: mon-fri、月-金)")
    return frozenset(days)


def parse_closed(text: str) -> frozenset[tuple[int, int]]:
    """``"12-29,01-03"`` → {(12, 29), (1, 3)}; empty text means no extra closed days."""
    closed: set[tuple[int, int]] = set()
    for part in (p for p in _fold(text).replace("/", "-").split(",") if p):
        match = _MONTH_DAY.match(part)
        if not match:
            raise ValueError(f"休庁日「{part}」が読めません (月-日 の形、例: 12-29)")
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2024, month, day)  # a leap year accepts 02-29
        except ValueError:
            raise ValueError(f"休庁日「{part}」は存在しない日付です") from None
        closed.add((month, day))
    return frozenset(closed)


@dataclass(frozen=True)
class BusinessCalendar:
    """Office hours on working days, in Japan time."""

    start: time = time(8, 30)
    end: time = time(17, 15)
    days: frozenset[int] = frozenset(range(5))
    closed: frozenset[tuple[int, int]] = field(default_factory=lambda: parse_closed(DEFAULT_CLOSED))
    tz: ZoneInfo = JST
    _holidays: holidays.HolidayBase = field(default_factory=holidays.Japan, repr=False, compare=False)

    @classmethod
    def from_text(cls, hours: str, days: str, closed: str = DEFAULT_CLOSED) -> BusinessCalendar:
        start, end = parse_hours(hours)
        return cls(start, end, parse_days(days), parse_closed(closed))

    @property
    def day_minutes(self) -> float:
        """The length of one business day in minutes."""
        today = date(2000, 1, 1)
        return (datetime.combine(today, self.end) - datetime.combine(today, self.start)).total_seconds() / 60

    def is_business_day(self, day: date) -> bool:
        return (
            day.weekday() in self.days
            and (day.month, day.day) not in self.closed
            and day not in self._holidays
        )

    def add(self, moment: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` business minutes after ``moment`` (aware UTC out)."""
        remaining = timedelta(minutes=minutes)
        local = moment.astimezone(self.tz)
        for _ in range(3660):  # ten years of days: far beyond any deadline
            day = local.date()
            opens = datetime.combine(day, self.start, self.tz)
            closes = datetime.combine(day, self.end, self.tz)
            if self.is_business_day(day) and local < closes:
                local = max(local, opens)
                if remaining <= closes - local:
                    return (local + remaining).astimezone(UTC)
                remaining -= closes - local
            local = datetime.combine(day + timedelta(days=1), self.start, self.tz)
        raise ValueError("業務日が見つかりません (業務日と休庁日の設定を確認してください)")

    def add_days(self, moment: datetime, days: int) -> datetime:
        """``days`` business days later (the same time of the working day)."""
        return self.add(moment, days * self.day_minutes)
