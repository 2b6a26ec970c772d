"""Parsing only the edited items of a YAML file gives what parsing the whole text gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from knowledge import sources, yaml_edits, yaml_lines

# Items in the styles admins write: block and quoted text, lists both ways, nested links,
# comments between and inside items.
ITEM = """\
  - id: faq-{n}
    question: "VPN に{n}回つながらない"
    alternates:
      - VPN 遅い {n}
      - 在宅で VPN
    answer: |
      手順 {n}: 再起動してください。
      # これは回答の本文
    tags: [VPN, 在宅]
    links:
      - title: 手引き
        url: https://portal.example.lg.jp/{n}
    # 担当: 情報政策課
"""

DOCUMENTS = {
    "under entries": "# FAQ\nversion: 2\nentries:\n" + "".join(ITEM.format(n=n) for n in range(12)),
    "entries then other keys": "entries:\n" + "".join(ITEM.format(n=n) for n in range(12))
    + "notes: 以上\nowner:\n  name: 情報政策課\n  links: [{url: x}]\n",
    "a list at the root": "".join(ITEM.format(n=n) for n in range(12)).replace("\n  ", "\n")[2:],
    "items in column 0 under a key": "entries:\n"
    + "".join(ITEM.format(n=n) for n in range(12)).replace("\n  ", "\n")[2:],
}

# Lines an edit may bring in: items, keys, text at every indentation, and YAML that
# changes the structure or breaks it.
LINES = [
    "  - id: faq-new", "  - id: faq-9", "    question: 新しい質問", "    answer: |", "      追加の手順",
    "- id: faq-top", "version: 3", "other:", "    tags: [a, b", "    question: \"閉じない",
    "---", "...", "# コメント", "  # コメント", "", "   ", "      - 入れ子", "    answer: >", "  -",
    "    links:", "      - title: t", "        url: https://x.example", "    id: faq-1", "\tbad",
    "  - &a id: x", "    q: *a", "    question: 'it''s'", "  - - nested", "    enabled: yes",
    "  - {id: flow}", "    question: a: b", "    answer: |+", "    answer: >-", "      続き",
    "    question: 貼り付け\u2028された改行", "meta:", "  owner: x",
]


def edit(lines: list[str], rnd: random.Random) -> list[str]:
    """One random edit: change, add, remove, copy or move lines."""
    lines = list(lines)
    at = rnd.randrange(len(lines) + 1)
    kind = rnd.randrange(6)
    if kind == 0 and at < len(lines):
        lines[at] = rnd.choice(LINES + lines)
    elif kind == 5 and at < len(lines):  # what most saves are: a few words changed
        lines[at] = lines[at][: rnd.randrange(len(lines[at]) + 1)] + rnd.choice(["改訂", " # 注", ": x", ""])
    elif kind == 1:
        lines[at:at] = rnd.sample(LINES, rnd.randint(1, 3))
    elif kind == 2:
        del lines[at : at + rnd.randint(1, 15)]
    elif kind == 3:
        start = rnd.randrange(len(lines))
        lines[at:at] = lines[start : start + rnd.randint(1, 14)]
    else:
        start = rnd.randrange(len(lines))
        moved = lines[start : start + rnd.randint(1, 14)]
        del lines[start : start + len(moved)]
        lines[min(at, len(lines)) : min(at, len(lines))] = moved
    return lines


def outcome(parse, text: str) -> object:
    """The parsed value, or the error as the bot reports it (type, problem and line)."""
    try:
        return parse(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return type(exc).__name__, exc.problem, mark.line if mark else None
    except (yaml.YAMLError, ValueError) as exc:
        return type(exc).__name__, str(exc)


@pytest.fixture
def remember_all(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Remember files of any size; record whether each load could splice."""
    monkeypatch.setattr(yaml_edits, "REMEMBER_CHARS", 0)
    yaml_edits.forget()
    spliced: list[bool] = []
    real = yaml_edits._spliced

    def spy(last: yaml_edits._Parse, lines: list[str]) -> object:
        doc = real(last, lines)
        spliced.append(doc is not None)
        return doc

    monkeypatch.setattr(yaml_edits, "_spliced", spy)
    return spliced


@pytest.mark.parametrize("name", DOCUMENTS)
def test_random_edits_parse_as_the_whole_text_does(name: str, remember_all: list[bool]) -> None:
    for seed in range(150):
        rnd = random.Random(seed)
        lines = DOCUMENTS[name].split("\n")
        yaml_edits.load("\n".join(lines), name)
        for _ in range(4):  # a chain of saves, each parsed from the one before
            lines = edit(lines, rnd)
            text = "\n".join(lines)
            expected = outcome(yaml_lines.load, text)
            assert outcome(lambda t: yaml_edits.load(t, name), text) == expected, (seed, text)
    # the edits within items were parsed on their own, not only as whole texts
    assert sum(remember_all) > 80


def test_an_edited_answer_reparses_that_item_alone(remember_all: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    text = DOCUMENTS["under entries"]
    yaml_edits.load(text, "faq.yaml")
    edited = text.replace("手順 5:", "手順 5 (改訂):")
    whole = yaml_lines.load(edited)
    parsed: list[str] = []
    real = yaml_lines.load_usual
    monkeypatch.setattr(yaml_lines, "load_usual", lambda t: parsed.append(t) or real(t))
    doc = yaml_edits.load(edited, "faq.yaml")
    assert doc == whole
    assert parsed == [ITEM.format(n=5).replace("手順 5:", "手順 5 (改訂):")]  # no other item's lines
    assert doc["entries"][5]["answer"].startswith("手順 5 (改訂):")


def test_lines_after_an_added_line_keep_their_numbers(remember_all: list[bool]) -> None:
    text = DOCUMENTS["a list at the root"]
    yaml_edits.load(text, "faq.yaml")
    edited = text.replace("    - VPN 遅い 2\n", "    - VPN 遅い 2\n    - VPN 重い 2\n")
    doc = yaml_edits.load(edited, "faq.yaml")
    assert remember_all == [True]
    assert doc == yaml_lines.load(edited)
    assert doc[2]["alternates"] == ["VPN 遅い 2", "VPN 重い 2", "在宅で VPN"]
    assert [item["__line__"] for item in doc[2:5]] == [27, 41, 54]  # 13 lines an item, one added
    assert doc[3]["links"][0]["__line__"] == 51


def test_a_large_faq_file_is_remembered_by_its_path(tmp_path: Path) -> None:
    yaml_edits.forget()
    path = tmp_path / "faq.yaml"
    body = "entries:\n" + "".join(ITEM.format(n=n) for n in range(400))
    assert len(body) > yaml_edits.REMEMBER_CHARS
    path.write_text(body, encoding="utf-8")
    sources.read_records(path, {"id": "id", "question": "question", "answer": "answer"})
    assert list(yaml_edits._LAST) == [str(path)]
    small = tmp_path / "small.yaml"
    small.write_text("entries:\n" + ITEM.format(n=1), encoding="utf-8")
    sources.read_records(small, {"id": "id", "question": "question", "answer": "answer"})
    assert list(yaml_edits._LAST) == [str(path)]


def test_a_file_with_anchors_is_parsed_whole_each_time(remember_all: list[bool]) -> None:
    text = DOCUMENTS["under entries"].replace("tags: [VPN, 在宅]", "tags: &t [VPN, 在宅]", 1)
    text = text.replace("tags: [VPN, 在宅]", "tags: *t")
    doc = yaml_edits.load(text, "faq.yaml")
    assert doc["entries"][11]["tags"] == ["VPN", "在宅"]
    assert "faq.yaml" not in yaml_edits._LAST  # an item may depend on another's anchor


def test_a_pasted_line_separator_keeps_the_line_numbers_right(remember_all: list[bool]) -> None:
    # libyaml counts U+2028 (and NEL, a lone CR) as a line break: such a text is parsed whole
    text = DOCUMENTS["a list at the root"]
    yaml_edits.load(text, "faq.yaml")
    edited = text.replace('"VPN に1回つながらない"', '"VPN に1回\u2028つながらない"')
    doc = yaml_edits.load(edited, "faq.yaml")
    assert doc == yaml_lines.load(edited)
    assert doc[2]["__line__"] == 28  # one more than without the separator
    assert "faq.yaml" not in yaml_edits._LAST
