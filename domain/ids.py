"""Row ids that arrive from outside (card data, typed commands): parsed in one place, bounded.

Card data can be forged and people type numbers as they like (「チケット ＃１２」), so an id is
accepted as an int or as digits (full width too, an optional ``#``) and only within the range
a database row id can have: a larger number would make SQLite and PostgreSQL raise instead of
simply finding nothing.
"""

from __future__ import annotations

import unicodedata

MAX_ROW_ID = 2**31 - 1  # PostgreSQL INTEGER


def row_id(value: object) -> int | None:
    """A positive row id (``12``, ``"12"``, ``"#12"``, ``"１２"``), or None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        number = value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().removeprefix("#")
        if not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
    return number if 0 < number <= MAX_ROW_ID else None
