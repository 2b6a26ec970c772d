"""Which course a typed request names, and how enrolment messages show dates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.texts import enrolment as t
from domain.enrolment_match import applies, asks_to_cancel, named_course
from knowledge.catalogue import TOKYO, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = load_catalogue(ROOT / "content/courses").catalogue


@pytest.mark.parametrize(
    ("text", "course_id"),
    [
        ("Udemy を使いたい", "elearning-udemy"),
        ("UDEMYのライセンスがほしい", "elearning-udemy"),
        ("eラーニングを受講したい", "elearning-udemy"),
        ("スペシャリスト養成研修に申し込みたい", "specialist-training"),
        ("推進員研修を受けたい", "promoter-training"),
        ("主査級の研修", "tier-shusa"),
        ("職場内DX研修", "workplace-dx"),
        ("研修に申し込みたい", None),
        ("研修申込", None),
        ("デジタル研修", None),
        ("階層別研修を受けたい", None),  # five courses: which one depends on the person
    ],
)
def test_a_course_is_named_only_when_the_text_is_clear(text: str, course_id: str | None) -> None:
    found = named_course(CATALOGUE, text)
    assert (found.id if found else None) == course_id


def test_a_tie_is_settled_by_the_courses_offered_to_the_person() -> None:
    found = named_course(CATALOGUE, "階層別研修を受けたい", {"tier-shusa", "workplace-dx"})
    assert found is not None and found.id == "tier-shusa"


def test_dates_read_as_month_day_weekday_and_tokyo_time() -> None:
    moment = datetime(2026, 12, 15, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    assert t.day_time(moment) == "12月15日(火) 10:00"
    end = datetime(2026, 12, 15, 12, 0, tzinfo=TOKYO)
    assert t.period(moment, end) == "12月15日(火) 10:00〜12:00"


@pytest.mark.parametrize(("text", "cancel"), [
    ("主査級DX研修をキャンセルしたい", True), ("研修を取り消して", True), ("申込を取消します", True),
    ("主査級の研修をやめたい", True), ("研修の申込を辞退したい", True),
    ("主査級DX研修に申し込みたい", False), ("研修の日程を確認したい", False), ("Udemy 入り方", False),
    ("主査級DX研修のキャンセル待ちの順番は？", False), ("キャンセル待ちをキャンセルしたい", True),
])
def test_asks_to_cancel(text: str, cancel: bool) -> None:
    assert asks_to_cancel(text) is cancel


def test_a_title_written_out_in_full_names_its_course_though_titles_share_words() -> None:
    shared = load_catalogue(ROOT / "tests/data/courses_enrol").catalogue  # 「…テスト研修」 all
    named = named_course(shared, "やっぱり主査級テスト研修に申し込みたい")
    assert named is not None and named.id == "t-shusa"
    assert named_course(shared, "テスト研修") is None  # every title has it: none is named


@pytest.mark.parametrize(("text", "expected"), [
    ("主任級DX研修に申し込みたい", True), ("こっちのほうにしたい", True), ("受講したいです", True),
    ("主任級DX研修", False), ("主任級DX研修はいつですか", False)])
def test_applies(text: str, expected: bool) -> None:
    assert applies(text) is expected
