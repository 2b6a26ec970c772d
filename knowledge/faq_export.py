"""Write FAQ entries back out: canonical YAML (for the repository) and XLSX (for Excel users).

Both round-trip through :func:`knowledge.faq.load_faq`: exporting and importing again gives
the same entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from knowledge.faq import FaqEntry, Link
from knowledge.sources import split_multi

XLSX_HEADERS = ("ID", "質問", "言い換え", "回答", "カテゴリ", "タグ", "リンク", "関連FAQ", "有効")
_WIDTHS = (18, 40, 40, 60, 14, 20, 40, 24, 8)
_HELP = (
    "この表の書き方",
    "1 行が 1 つの FAQ です。ID・質問・回答は必須です。ID は英数字と - _ で、重複できません。",
    "言い換え・タグ・関連FAQ は、セル内で改行するか | で区切ると複数書けます。",
    "リンクは 1 行に 1 つ、「タイトル https://...」の形で書きます。",
    "関連FAQ には他の FAQ の ID を書きます。有効に「いいえ」と書くとその FAQ は使われません。",
    "保存したら python -m knowledge validate で確認してから反映してください。",
    "この Excel は FAQ フォルダに置けばそのまま読み込まれます。同じ FAQ の YAML と並べて置くと ID が重複するので、"
    "どちらか一方だけを置いてください (YAML に戻すには python -m knowledge import を使います)。",
)
EXCEL_CELL_LIMIT = 32_767  # characters: Excel cuts longer text when it opens the file


# ---------------------------------------------------------------- YAML


class _FlowList(list):
    """A short list of words written inline: ``[研修, 必須]``."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)  # indent list items under their key


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_flow(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowList, _represent_flow)


def entry_to_dict(entry: FaqEntry) -> dict[str, Any]:
    """The YAML mapping for one entry; empty optional fields are left out."""
    data: dict[str, Any] = {"id": entry.id, "question": entry.question}
    if entry.alternates:
        data["alternates"] = list(entry.alternates)
    data["answer"] = entry.answer + ("\n" if "\n" in entry.answer else "")
    if entry.category:
        data["category"] = entry.category
    if entry.tags:
        data["tags"] = _FlowList(entry.tags)
    if entry.links:
        data["links"] = [{"title": link.title, "url": link.url} for link in entry.links]
    if entry.follow_ups:
        data["follow_ups"] = _FlowList(entry.follow_ups)
    if not entry.enabled:
        data["enabled"] = False
    return data


def dump_faq_yaml(entries: Iterable[FaqEntry], comment: str = "") -> str:
    """Canonical YAML text (``entries:`` list), Japanese kept readable."""
    body = yaml.dump(
        {"entries": [entry_to_dict(e) for e in entries]},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
    )
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    # a blank line between entries (inside block scalars, lines are indented deeper)
    return header + body.replace("\n  - id: ", "\n\n  - id: ")


# ---------------------------------------------------------------- XLSX


def _link_cell(links: Iterable[Link]) -> str:
    """One link per line, 「title URL」; a link titled with its own URL (a bare URL as read)
    is the URL alone, since a line holding two URLs does not read back."""
    return "\n".join(link.url if link.title in ("", link.url) else f"{link.title} {link.url}" for link in links)


def entry_row(entry: FaqEntry) -> list[str]:
    return [
        entry.id,
        entry.question,
        "\n".join(entry.alternates),
        entry.answer,
        entry.category,
        "\n".join(entry.tags),
        _link_cell(entry.links),
        "\n".join(entry.follow_ups),
        "はい" if entry.enabled else "いいえ",
    ]


def too_long_for_excel(entries: Iterable[FaqEntry]) -> list[str]:
    """Ids of entries with a cell longer than Excel keeps."""
    return [e.id for e in entries if any(len(v) > EXCEL_CELL_LIMIT for v in entry_row(e))]


def split_when_read_back(entries: Iterable[FaqEntry]) -> list[str]:
    """Ids of entries with an alternate or tag holding ``|`` or a line break (a YAML list item
    may), which the exported sheet, read back, would split in two."""
    return [e.id for e in entries if any(split_multi(t) != [t] for t in (*e.alternates, *e.tags))]


def write_faq_xlsx(entries: Iterable[FaqEntry], out: Path) -> int:
    """All entries on one sheet ``FAQ`` with Japanese headers; returns the row count."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(list(XLSX_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    count = 0
    for entry in entries:
        count += 1
        for col, value in enumerate(entry_row(entry), start=1):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters Excel cannot hold
            cell = ws.cell(row=count + 1, column=col, value=value)
            if value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            cell.alignment = wrap
    for col, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    notes = wb.create_sheet("説明")
    for line in _HELP:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return count
