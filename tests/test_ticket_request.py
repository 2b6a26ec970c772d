"""Reading the problem out of a request for a person (plain Python, no bot)."""

from __future__ import annotations

import pytest

from domain.ticket_request import clauses, states_a_problem
from knowledge.normalize import says_something

PERSON = ("担当者に相談したい", "人に聞きたい", "推進員の人に直接聞きたいんですが", "人に聞きたいです")


def asks_for_person(text: str) -> bool:
    return text in PERSON


def test_clauses_are_cut_at_connectives_and_punctuation() -> None:
    assert clauses("VPNが遅いので担当者に相談したい") == ["VPNが遅いので", "担当者に相談したい"]
    assert clauses("推進員の人に直接聞きたいんですが、共有フォルダの権限は？") == [
        "推進員の人に直接聞きたいんですが", "共有フォルダの権限は"]
    assert clauses("急ぎです。。\n担当者に相談したい！") == ["急ぎです", "担当者に相談したい"]


@pytest.mark.parametrize(("text", "expected"), [
    ("VPNが遅いので担当者に相談したい", True),
    ("推進員の人に直接聞きたいんですが、共有フォルダの権限は？", True),
    ("担当者に相談したい", False),  # nothing else said
    ("人に聞きたいです。よろしくお願いします", False),  # politeness only
    ("VPNが遅いので困っています", False),  # no person asked for
])
def test_a_problem_is_stated_beside_the_request(text: str, expected: bool) -> None:
    assert states_a_problem(text, asks_for_person, says_something) is expected


def test_politeness_says_nothing() -> None:
    assert not says_something("よろしくお願いします")
    assert not says_something("どうすればいいですか？")
    assert says_something("VPNが遅い")
