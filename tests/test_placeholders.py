"""Placeholders in FAQ answers ({所属} {推進員} …): found, filled, and near misses warned."""

from __future__ import annotations

from pathlib import Path

from knowledge import placeholders
from knowledge.faq import load_faq


def test_placeholders_are_found_in_either_width_and_filled() -> None:
    text = "所属: {所属}\n推進員: ｛ 推進員 ｝\nスペシャリスト: {スペシャリスト}"
    assert placeholders.names_in(text) == {"所属", "推進員", "スペシャリスト"}
    filled = placeholders.fill(text, {"所属": "総務課", "推進員": "山崎 亮さん"})
    assert filled == "所属: 総務課\n推進員: 山崎 亮さん\nスペシャリスト: {スペシャリスト}"  # no value: left


def test_other_braces_stay_as_written_and_only_japanese_near_misses_are_flagged() -> None:
    text = "JSON は {\"id\": 1} の形、{id} はそのまま。{推進委員} は書き間違い"
    assert placeholders.names_in(text) == set()
    assert placeholders.fill(text, {"推進員": "x"}) == text
    assert placeholders.near_misses(text) == ["{推進委員}"]


def test_a_placeholder_does_not_reach_across_lines() -> None:
    assert placeholders.names_in("{\n推進員\n}") == set()


def test_a_near_miss_and_a_doubled_honorific_are_warned_with_their_place(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text(
        "entries:\n  - id: a\n    question: 推進員は誰\n    answer: 推進員は {推進員} です\n"
        "  - id: b\n    question: 名簿\n    answer: 推進員は ｛推進委員｝ です\n"
        "  - id: c\n    question: 連絡\n    answer: '{スペシャリスト}さんに連絡してください'\n", encoding="utf-8")
    load = load_faq(tmp_path)
    assert load.errors == []
    assert load.warnings == [
        "faq.yaml:5: 回答の「｛推進委員｝」は差し込み項目ではないため、そのまま表示します "
        "(使えるのは {所属} {部局} {推進員} {スペシャリスト})",
        "faq.yaml:8: 回答の「{スペシャリスト}さん」: 名前には「さん」を付けて差し込むため、後ろの敬称は要りません",
    ]
