"""Japanese yes/no recognition (botbuilder's ConfirmPrompt cannot do it)."""

from __future__ import annotations

import pytest
from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnStatus

from dialogs.yesno import YesNoPrompt, parse_yes_no, yes_no_options


@pytest.mark.parametrize("text", ["はい", "ハイ。", "うん", "OK", "ｏｋ", "お願いします", "はい！", "了解", "Yes",
                                  "はい、お願いします", "はい。申し込みます", "OKです", "お願いいたします",
                                  "承知いたしました"])
def test_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["いいえ", "やめる", "やめます。", "No", "結構です", "いや", "いいえ、結構です",
                                  "今回は見送ります", "やはりやめます"])
def test_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["", "   ", "総務課", "はいいえ", "VPNが遅い", None,
                                  "いいです", "大丈夫です", "はい、いいえ", "はい、VPNが遅い"])  # いいです: yes or no thanks
def test_neither(text: str | None) -> None:
    assert parse_yes_no(text) is None


async def test_prompt_retries_until_it_understands_and_returns_a_bool() -> None:
    state = ConversationState(MemoryStorage())
    dialogs = DialogSet(state.create_property("d"))
    dialogs.add(YesNoPrompt("yn"))
    results: list[object] = []

    async def turn(context: TurnContext) -> None:
        dc = await dialogs.create_context(context)
        result = await dc.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dc.prompt("yn", yes_no_options("送信しますか？", "「はい」か「いいえ」でお答えください。"))
        elif result.status == DialogTurnStatus.Complete:
            results.append(result.result)
        await state.save_changes(context)

    adapter = TestAdapter(turn)
    step = await adapter.send("start")
    step = await step.assert_reply(lambda a, _=None: a.suggested_actions.actions[0].title == "はい")
    step = await step.send("たぶん")
    step = await step.assert_reply("「はい」か「いいえ」でお答えください。")
    await step.send("うん")
    assert results == [True]


def test_a_questions_own_button_labels_count_and_win() -> None:
    assert parse_yes_no("送信する", yes=("送信する",), no=("やめる",)) is True
    assert parse_yes_no("取り消す", yes=("取り消す",)) is True
    assert parse_yes_no("取り消し") is None  # not a shared "no": it means yes at a cancel prompt
    assert parse_yes_no("まだ") is None
    assert parse_yes_no("やめる", yes=("送信する",), no=("やめる",)) is False
