"""Placeholders in FAQ answers, filled in for the person asking: {所属} {部局} {推進員} {スペシャリスト}.

An admin writes 「- デジタル活用推進員: {推進員}」 and each person sees their own people (「高橋 翔太さん、
伊藤 美咲さん」), from the organisation data, when the bot shows the answer; a person whose unit is
not known sees a phrase saying so, which reads well in that 「見出し: 値」 form. Only
these names are placeholders (in half- or full-width braces, ｛推進員｝ too); other braces stay as
written, and a near miss (｛推進委員｝) is a warning when the FAQ is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

NAMES = ("所属", "部局", "推進員", "スペシャリスト")
_TOKEN = re.compile(r"[{｛][ \t\u3000]*([^{}｛｝\n]{1,15}?)[ \t\u3000]*[}｝]")
_HONORIFIC = re.compile(r"[{｛][ \t\u3000]*(?:推進員|スペシャリスト)[ \t\u3000]*[}｝](?:さん|様|氏|殿)")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def names_in(text: str) -> set[str]:
    """The placeholders a text uses."""
    return {m.group(1) for m in _TOKEN.finditer(text) if m.group(1) in NAMES}


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder replaced by its value (one without a value stays)."""
    return _TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def near_misses(text: str) -> list[str]:
    """Braced words that look meant as placeholders but are none (``{推進委員}``): Japanese
    words only, so that code or a template shown in an answer (``{id}``) is not flagged."""
    return [m.group(0) for m in _TOKEN.finditer(text) if m.group(1) not in NAMES and _JAPANESE.search(m.group(1))]


def warnings(entries: Iterable[tuple[str, str]]) -> list[str]:
    """A warning for each near miss, and for a name placeholder followed by さん (the names
    come with it), given (location, answer) pairs."""
    usable = " ".join(f"{{{name}}}" for name in NAMES)
    found = []
    for where, answer in entries:
        if "{" not in answer and "｛" not in answer:  # most answers: no regex to run
            continue
        found += [f"{where}: 回答の「{miss}」は差し込み項目ではないため、そのまま表示します (使えるのは {usable})"
                  for miss in near_misses(answer)]
        found += [f"{where}: 回答の「{m.group(0)}」: 名前には「さん」を付けて差し込むため、後ろの敬称は要りません"
                  for m in _HONORIFIC.finditer(answer)]
    return found
