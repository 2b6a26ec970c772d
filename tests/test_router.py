"""The routing rules, as a pure function."""

from __future__ import annotations

import pytest

from bot.router import decide, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ヘルプ", ("help", "")), ("ＨＥＬＰ", ("help", "")), (" へるぷ。", ("help", "")),
        ("キャンセル", ("cancel", "")), ("やめる", ("cancel", "")),
        ("研修申込", ("enrol", "")), ("申込状況", ("my_enrolments", "")),
        ("担当者に相談", ("escalate", "")), ("相談状況", ("my_tickets", "")),
        ("チケット 12", ("ticket", "12")), ("チケット#7", ("ticket", "7")), ("ticket １２", ("ticket", "12")),
        ("管理", ("admin", "")), ("管理 名簿 S-001", ("admin", "名簿 S-001")), ("admin status", ("admin", "status")),
        ("?", ("help", "")), ("？？", ("help", "")), ("！？", ("help", "")),
        ("VPNが遅い", None), ("ヘルプデスクの電話番号", None), ("", None),
    ],
)
def test_commands(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(text) == expected


def test_card_buttons_win_over_everything() -> None:
    route = decide("ヘルプ", {"action": "faq.show", "id": "x"}, dialog_active=True)
    assert (route.kind, route.name, route.data["id"]) == ("card", "faq.show", "x")


def test_commands_win_over_an_active_dialog_but_other_text_continues_it() -> None:
    assert decide("キャンセル", None, dialog_active=True).kind == "command"
    assert decide("総務課", None, dialog_active=True).kind == "dialog"


def test_intents_then_faq() -> None:
    def intent_of(text: str) -> str | None:
        return "enrol" if "研修" in text else None

    assert decide("研修を受けたい", None, dialog_active=False, intent_of=intent_of).name == "enrol"
    route = decide("VPNが遅い", None, dialog_active=False, intent_of=intent_of)
    assert (route.kind, route.text) == ("faq", "VPNが遅い")
    assert decide("  ", None, dialog_active=False).kind == "empty"


def test_a_file_without_text_goes_to_an_active_dialog() -> None:
    assert decide("", None, dialog_active=True, has_files=True).kind == "dialog"
    alone = decide("", None, dialog_active=False, has_files=True)
    assert (alone.kind, alone.name) == ("empty", "files")  # a hint of its own, not 「空です」
    assert decide("", None, dialog_active=True).kind == "empty"


@pytest.mark.parametrize("text", ["😀", "🙏🙏", "。。。", "！", "\u200b・・・"])
def test_a_message_without_words_gets_a_hint_not_the_faq(text: str) -> None:
    route = decide(text, None, dialog_active=False)
    assert (route.kind, route.name) == ("empty", "no_words"), text
    assert decide(text, None, dialog_active=True).kind == "dialog"  # the prompt decides
    number = decide("１２３４５", None, dialog_active=False)
    assert (number.kind, number.name) == ("empty", "number_only")
    short = decide("a", None, dialog_active=False)
    assert (short.kind, short.name) == ("empty", "too_short")
    assert decide("2", None, dialog_active=False).kind == "faq"  # may choose from 「もしかして」
    assert decide("3", None, dialog_active=True).kind == "dialog"  # a number answers a prompt
    assert decide("VPN", None, dialog_active=False).kind == "faq"


def test_a_link_pasted_alone_gets_a_hint_but_a_question_with_a_link_is_a_question() -> None:
    alone = decide(" https://portal.example.lg.jp/faq?id=3 ", None, dialog_active=False)
    assert (alone.kind, alone.name) == ("empty", "url_only")
    asked = decide("https://portal.example.lg.jp が開けない", None, dialog_active=False)
    assert asked.kind == "faq"
    assert decide("https://portal.example.lg.jp", None, dialog_active=True).kind == "dialog"
    assert decide("https://portal.example.lg.jp/kintai/が開けません", None, dialog_active=False).kind == "faq"


def test_a_button_whose_action_is_not_text_is_an_unknown_button() -> None:
    for value in ({"action": 123}, {"action": None, "id": "x"}):
        route = decide("", value, dialog_active=False)
        assert (route.kind, route.name) == ("card", "")
