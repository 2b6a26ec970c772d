"""The fast YAML reader gives what PyYAML's full loader gives, with each mapping's line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge import yaml_lines

ROOT = Path(__file__).resolve().parent.parent

DOCUMENTS = {
    "scalars": "a: 1\nb: yes\nc: ~\nd: '1'\ne: 1.5\nf: 2026-12-01\ng: [x, y]\nh: {i: j}\nk:\n",
    "numbers and words": "- 0x1F\n- .inf\n- 0o17\n- null\n- Null\n- on\n- 研修\n- -1\n",
    "block text": "a: |\n  一行目\n  二行目\nb: >\n  折り\n  返し\n",
    "nested": "entries:\n  - id: x\n    links:\n      - title: t\n        url: u\n",
    "anchor and alias": "- &a x\n- *a\n",
    "explicit tag": "a: !!str 1\n",
    "merge key": "base: &b {a: 1}\nitem:\n  <<: *b\n  c: 2\n",
    "empty": "",
    "explicit empty document": "--- \n...\n",
    "non-specific tag": "a: ! '12'\nb: ! \"yes\"\n",
    "a key named __line__": "__line__: 99\na: 1\n",
}


def full_loader(text: str) -> object:
    return yaml.load(text, Loader=yaml_lines._LineLoader)


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_same_values_as_the_full_loader(text: str) -> None:
    assert yaml_lines.load(text) == full_loader(text)


def test_every_shipped_yaml_file_reads_the_same() -> None:
    files = sorted({*ROOT.glob("content/**/*.yaml"), *ROOT.glob("tests/**/*.yaml")})
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        assert yaml_lines.load(text) == full_loader(text), path


def test_each_mapping_knows_its_line() -> None:
    doc = yaml_lines.load("entries:\n\n  - id: a\n    q: x\n  - id: b\n    links:\n      - url: u\n")
    first, second = doc["entries"]
    assert (doc["__line__"], first["__line__"], second["__line__"]) == (1, 3, 5)
    assert second["links"][0]["__line__"] == 7


def test_unusual_documents_take_the_full_loader() -> None:
    with pytest.raises(yaml_lines._Unusual):
        yaml_lines._from_events(DOCUMENTS["anchor and alias"])
    with pytest.raises(yaml_lines._Unusual):
        yaml_lines._from_events("? [a, b]\n: c\n")  # a list as a key


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: [1, 2\nb: 3\n", 2),
        ("a: b\n---\nc: d\n", 2),
        ("a: 'open\n", 2),
        ("a: =\n", 1),  # a YAML "value" key PyYAML cannot build
        ("a: 2026-02-30\nb: [\n", 3),  # an impossible date does not hide the syntax error
    ],
)
def test_syntax_errors_carry_their_line(text: str, line: int) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml_lines.load(text)
    mark = caught.value.problem_mark or caught.value.context_mark
    assert mark is not None and mark.line + 1 == line


@pytest.mark.parametrize("text", ["code: 0101\n", "code: &c 0101\nagain: *c\n"])
def test_a_number_with_a_leading_zero_is_a_code_in_both_paths(text: str) -> None:
    # YAML 1.1 would read 0101 as octal 65; admin files mean the code 「0101」
    value = yaml_lines.load(text)
    assert value["code"] == "0101"
    assert full_loader(text)["code"] == "0101"  # type: ignore[index]
    assert yaml_lines.load("n: 12\nz: 0\n") == {"n": 12, "z": 0, "__line__": 1}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("entries:\n  - a: 1\nentries:\n  - b: 2\n", 3),  # a second block would drop the first
        ("- id: x\n  answer: 1\n  answer: 2\n", 3),
        ("base: &b {a: 1}\nitem:\n  <<: *b\n  c: 2\n  c: 3\n", 5),  # the full loader's path
    ],
)
def test_a_key_written_twice_is_an_error_at_the_second(text: str, line: int) -> None:
    with pytest.raises(yaml_lines.DuplicateKey) as caught:
        yaml_lines.load(text)
    assert caught.value.problem_mark is not None and caught.value.problem_mark.line + 1 == line
    assert "が重複しています" in str(caught.value.problem)


def test_a_merged_key_may_be_overridden() -> None:
    value = yaml_lines.load("base: &b {a: 1, c: 1}\nitem:\n  <<: *b\n  c: 2\n")
    assert value["item"]["c"] == 2


def test_only_decimal_integers_and_true_false_are_typed_the_rest_stays_as_written() -> None:
    text = ("a: 16:30\nb: 1.10\nc: yes\nd: 0x1F\ne: 1_000\nf: on\ng: 12\nh: -3\ni: true\nj: False\n"
            "k: .inf\nl: 2026-12-01\n")
    expected = {"a": "16:30", "b": "1.10", "c": "yes", "d": "0x1F", "e": "1_000", "f": "on",
                "g": 12, "h": -3, "i": True, "j": False, "k": ".inf", "l": date(2026, 12, 1), "__line__": 1}
    assert yaml_lines.load(text) == expected
    assert full_loader(text) == expected  # the same in the full loader's path


def test_a_comment_ending_like_a_block_does_not_hide_what_follows() -> None:
    from knowledge.yaml_lines import plain_surprises

    text = "entries:\n# 書き方の例:\n#    answer: |\n  - id: a\n    answer: 代表は #2000 です\n"
    assert [line for line, _ in plain_surprises(text, {"answer"})] == [5]
