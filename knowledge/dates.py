"""Calendar days as admins type them, for report periods on the command line and in chat."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

FIRST_YEAR, LAST_YEAR = 2000, 2099  # report periods: far dates overflow the time arithmetic
_DAY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_day(text: str) -> date:
    """``2026-11-01``, ``2026/11/1``, ``2026.11.01`` or ``2026年11月1日`` (full-width too)."""
    match = _DAY.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        raise ValueError(f"日付「{text}」が読めません (例: 2026-11-01、2026/11/01)")
    year, month, day = (int(g) for g in match.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"日付「{text}」は {FIRST_YEAR}〜{LAST_YEAR} 年の範囲で書いてください")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"日付「{text}」は存在しません") from None
