"""The FAQ in the bot, end to end: the three bands, clarify, feedback, and the query log."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.devchannel.harness import Harness
from bot.texts import faq as texts
from domain.models import FaqQueryRow
from tests.conftest import OTHER, STAFF, make_settings


async def log_rows(h: Harness) -> list[FaqQueryRow]:
    async with h.runtime.sessions() as session:
        return list((await session.execute(select(FaqQueryRow).order_by(FaqQueryRow.id))).scalars())


def press(h: Harness, key: str, title: str) -> object:
    return h.client.press(key, next(b for b in h.client.last_buttons(key) if b.title == title))


async def test_a_confident_match_is_answered_with_a_card(harness: Harness) -> None:
    await harness.client.send("staff", "ﾊﾟｽﾜｰﾄﾞ忘れた")
    text = harness.client.transcript("staff")
    assert "パスワードを忘れた" in text
    titles = [b.title for b in harness.client.last_buttons("staff")]
    assert titles[-2:] == [texts.BUTTON_SOLVED, texts.BUTTON_UNSOLVED]
    (row,) = await log_rows(harness)
    assert (row.band, row.chosen_id, row.user_id) == ("answer", "password-forgot", "d1cb8940-7937-5150-b23f-c6407ddb8eb8")
    assert row.unit_code == "DIG-01"  # from the directory
    assert json.loads(row.candidates)[0][0] == "password-forgot"
    assert row.normalized and row.query == "ﾊﾟｽﾜｰﾄﾞ忘れた"


async def test_an_answer_names_the_askers_own_promoters(harness: Harness) -> None:
    await harness.client.send("staff", "うちの課の推進員を知りたい")
    text = harness.client.transcript("staff")
    assert "自分の所属のデジタル活用推進員は誰ですか" in text
    assert "あなたの所属: デジタル改革推進課" in text
    assert "デジタル活用推進員: 高橋 翔太さん、伊藤 美咲さん" in text  # primary first
    assert "{" not in text
    # asked in the middle of a sign-up, too
    await harness.client.send("staff", "研修申込")
    await harness.client.send("staff", "うちの課の推進員を知りたい")
    assert "デジタル活用推進員: 高橋 翔太さん、伊藤 美咲さん" in harness.client.transcript("staff")
    # someone the bot does not know yet: said plainly, with how to register
    await harness.client.send("other", "うちの課の推進員を知りたい")
    text = harness.client.transcript("other")
    assert f"デジタル活用推進員: {texts.UNKNOWN_PEOPLE}" in text and "「プロフィール」" in text


async def test_without_the_organisation_data_an_answer_says_so_not_to_register(sqlite_url: str, tmp_path) -> None:
    settings = make_settings(sqlite_url, org_dir=tmp_path / "org")  # never loaded
    async with Harness(settings, [STAFF]) as h:
        await h.client.send("staff", "うちの課の推進員を知りたい")
        text = h.client.transcript("staff")
    assert f"デジタル活用推進員: {texts.DIRECTORY_NOT_LOADED}" in text and "「プロフィール」" not in text


async def test_a_question_typed_as_it_is_read_is_answered(harness: Harness) -> None:
    await harness.client.send("staff", "ざいたくきんむ じゅんび")  # 在宅勤務 準備, not converted
    assert "在宅勤務の日に準備しておくこと" in harness.client.transcript("staff")
    (row,) = await log_rows(harness)
    assert (row.band, row.chosen_id) == ("answer", "telework-prep")


async def test_feedback_solved_is_recorded(harness: Harness) -> None:
    await harness.client.send("staff", "VPNが遅い")
    await press(harness, "staff", texts.BUTTON_SOLVED)
    assert texts.SOLVED_THANKS in harness.client.transcript("staff")
    (row,) = await log_rows(harness)
    assert row.feedback == "solved"


async def test_unsolved_offers_the_next_candidates_then_a_person(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "ﾕｰﾃﾞﾐｰのサインイン方法")
    await press(harness, "staff", texts.BUTTON_UNSOLVED)
    text = client.transcript("staff")
    assert texts.NEXT_CANDIDATES in text
    titles = [b.title for b in client.last_buttons("staff")]
    assert "Udemy Business をスマートフォンのアプリで受講できますか？" in titles
    assert "Udemy Business にログインするにはどうすればいいですか？" not in titles  # not the one that failed
    assert titles[-1] == texts.NONE_OF_THESE
    await press(harness, "staff", texts.NONE_OF_THESE)
    assert texts.OFFER_PERSON in client.transcript("staff")
    escalate = next(b for b in client.last_buttons("staff") if b.title == texts.BUTTON_ESCALATE)
    assert escalate.value["query"] == "ﾕｰﾃﾞﾐｰのサインイン方法"
    (row,) = await log_rows(harness)
    assert row.feedback == "unsolved"


async def test_a_next_candidate_leaves_the_verdict_with_the_entry_it_was_given_for(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "ﾕｰﾃﾞﾐｰのサインイン方法")
    await press(harness, "staff", texts.BUTTON_UNSOLVED)
    mobile = next(b for b in client.last_buttons("staff")
                  if b.title == "Udemy Business をスマートフォンのアプリで受講できますか？")
    await client.press("staff", mobile)
    await client.press("staff", mobile)  # pressed twice: still one question
    (row,) = await log_rows(harness)
    assert (row.chosen_id, row.feedback) == ("udemy-login", "unsolved")  # not blamed on the next
    await press(harness, "staff", texts.BUTTON_SOLVED)
    (row,) = await log_rows(harness)
    assert (row.chosen_id, row.feedback) == ("udemy-mobile", "solved")  # what helped in the end


async def test_feedback_naming_an_entry_the_faq_lacks_does_not_record_it(harness: Harness) -> None:
    await harness.client.send("staff", "VPNが遅い")
    (row,) = await log_rows(harness)
    await harness.client.send("staff", "", {"action": "faq.feedback", "log": row.id, "value": "solved",
                                            "id": "x" * 300})
    (row,) = await log_rows(harness)
    assert (row.chosen_id, row.feedback) == ("vpn-slow", "solved")


async def test_an_ambiguous_question_gets_did_you_mean_and_the_choice_is_answered(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "推進員")
    assert texts.CLARIFY in client.transcript("staff")
    buttons = client.last_buttons("staff")
    assert len(buttons) == 4 and buttons[-1].title == texts.NONE_OF_THESE
    await client.press("staff", buttons[1])
    assert buttons[1].title in client.transcript("staff")
    (row,) = await log_rows(harness)
    assert row.band == "clarify" and row.chosen_id == buttons[1].value["id"]


async def test_did_you_mean_leaves_out_entries_that_hardly_match(harness: Harness) -> None:
    # 0.57 for the Teams audio entry, next to nothing for the rest: one choice, and 「どれでもない」
    client = harness.client
    await client.send("staff", "マイク聞こえない")
    assert texts.CLARIFY in client.transcript("staff")
    assert [b.value.get("id") for b in client.last_buttons("staff")][:-1] == ["teams-audio"]
    (row,) = await log_rows(harness)
    assert row.band == "clarify" and len(json.loads(row.candidates)) > 1  # the log keeps them all


async def test_no_match_says_so_and_offers_a_person(harness: Harness) -> None:
    await harness.client.send("staff", "ボーナスはいつ支給されますか")
    assert texts.NO_MATCH in harness.client.transcript("staff")
    titles = [b.title for b in harness.client.last_buttons("staff")]
    assert titles == [texts.BUTTON_ESCALATE, texts.BUTTON_HELP]
    (row,) = await log_rows(harness)
    assert row.band == "none" and row.chosen_id is None


async def test_a_follow_up_button_answers_that_entry(harness: Harness) -> None:
    await harness.client.send("staff", "VPNが遅い")
    follow = [b for b in harness.client.last_buttons("staff") if isinstance(b.value, dict) and b.value.get("action") == "faq.show"]
    assert follow, "vpn-slow has follow-ups"
    harness.client.received("staff")
    await harness.client.press("staff", follow[0])
    assert follow[0].title in harness.client.transcript("staff")


async def test_forged_feedback_on_someone_elses_query_is_refused(harness: Harness) -> None:
    await harness.client.send("staff", "VPNが遅い")
    (row,) = await log_rows(harness)
    await harness.client.send("other", "", {"action": "faq.feedback", "log": row.id, "value": "unsolved"})
    assert texts.STALE_FEEDBACK in harness.client.transcript("other")
    (row,) = await log_rows(harness)
    assert row.feedback is None


async def test_a_stranger_asking_for_a_person_registers_first_and_keeps_the_question(harness: Harness) -> None:
    client = harness.client
    await client.send("other", "ボーナスはいつ支給されますか")
    await press(harness, "other", texts.BUTTON_ESCALATE)
    assert "所属" in client.transcript("other")  # the profile comes first
    await client.send("other", "総務課")  # the unit's own name: no list to choose from
    await press(harness, "other", "主事・技師")
    text = client.transcript("other")
    assert "総務課のデジタル活用推進員" in text
    assert "ボーナスはいつ支給されますか" in text  # the question was carried over


async def test_free_text_intents_start_their_feature_and_other_text_goes_to_the_faq(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "研修に申し込みたい")
    assert "申し込む研修を選んでください" in client.transcript("staff")
    await client.send("staff", "キャンセル")
    client.received("staff")
    await client.send("staff", "担当者と話したい")
    assert "担当者に送る質問を入力してください" in client.transcript("staff")
    await client.send("staff", "キャンセル")
    client.received("staff")
    await client.send("staff", "VPNが遅い")
    assert "VPNが遅い・切れるとき" in client.transcript("staff")


async def test_a_question_about_a_topic_is_answered_not_taken_as_a_request(harness: Harness) -> None:
    await harness.client.send("staff", "デジタル活用推進員とは")
    text = harness.client.transcript("staff")
    assert "担当者に送る質問" not in text  # not the escalation dialog
    assert "デジタル活用推進員とはどんな人ですか" in text



async def test_a_short_question_on_a_topic_only_an_answer_names_is_not_feedback(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "VPNが遅い")
    client.received("staff")
    await client.send("staff", "背景効果が直りません")  # 背景効果 is in the camera entry's answer
    assert "カメラが映らない" in client.transcript("staff")
    rows = await log_rows(harness)
    assert [(r.query, r.feedback) for r in rows] == [("VPNが遅い", None), ("背景効果が直りません", None)]

async def test_greetings_thanks_and_typed_feedback(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "こんにちは")
    assert texts.GREETING in client.transcript("staff")
    await client.send("staff", "お疲れ様です")  # not the FAQ on chat manners, which quotes it
    assert client.transcript("staff").startswith("お疲れ様です。DXサポートボットです。")
    await client.send("staff", "おはようございます！")  # answered in kind, not with 「こんにちは」
    assert client.transcript("staff").startswith("おはようございます。DXサポートボットです。")
    await client.send("staff", "VPNが遅い")
    client.received("staff")
    await client.send("staff", "解決しました")
    assert texts.SOLVED_THANKS in client.transcript("staff")
    (row,) = await log_rows(harness)
    assert row.feedback == "solved"
    await client.send("staff", "ありがとう")
    assert texts.THANKS in client.transcript("staff")
    await client.send("staff", "ユーデミーのサインイン方法")
    client.received("staff")
    await client.send("staff", "解決しません")
    assert texts.NEXT_CANDIDATES in client.transcript("staff")
    rows = await log_rows(harness)
    assert [r.feedback for r in rows] == ["solved", "unsolved"]


async def test_a_long_question_with_feedback_words_is_still_a_question(harness: Harness) -> None:
    await harness.client.send("staff", "Teamsの画面共有がうまくできず解決しません")
    text = harness.client.transcript("staff")
    assert texts.NEXT_CANDIDATES not in text and texts.THANKS not in text


async def test_a_short_question_with_feedback_words_is_answered(harness: Harness) -> None:
    for question in ("VPNが遅いが解決しない", "パスワードを忘れて解決しない"):
        await harness.client.send("staff", question)
        text = harness.client.transcript("staff")
        assert texts.BUTTON_SOLVED in text and texts.OFFER_PERSON not in text, question


async def test_typed_feedback_is_about_the_last_reply_only(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "ﾊﾟｽﾜｰﾄﾞ忘れた")
    await client.send("staff", "VPNが遅い")
    await client.send("staff", "解決しない")  # about the VPN answer, not the older one
    client.received("staff")
    await client.send("staff", "解決しました")  # after the offer of a person: thanked, not re-rated
    assert client.transcript("staff") == texts.THANKS
    rows = await log_rows(harness)
    assert [r.feedback for r in rows] == [None, "unsolved"]


async def test_every_example_in_the_help_is_answered_directly(harness: Harness) -> None:
    from bot.texts import FAQ_EXAMPLES

    examples = [line[2:] for line in FAQ_EXAMPLES.splitlines() if line.startswith("- ")]
    assert len(examples) == 4
    for example in examples:
        await harness.client.send("staff", example)
        assert texts.BUTTON_SOLVED in harness.client.transcript("staff"), example


async def test_unsolved_on_a_clear_answer_offers_a_person_not_noise(harness: Harness) -> None:
    await harness.client.send("staff", "VPNが遅い")
    await press(harness, "staff", texts.BUTTON_UNSOLVED)
    text = harness.client.transcript("staff")
    assert texts.OFFER_PERSON in text and texts.NEXT_CANDIDATES not in text


async def test_a_bare_yes_with_nothing_asked_gets_a_hint_not_faq_guesses(harness: Harness) -> None:
    await harness.client.send("staff", "はい")
    assert harness.client.transcript("staff") == texts.NOTHING_ASKED
    assert await log_rows(harness) == []


async def test_a_lone_surrogate_in_the_message_is_answered_and_logged(harness: Harness) -> None:
    # JSON may carry "\ud800" on its own; no database accepts it, so the bot must not try
    await harness.client.send("staff", "ﾊﾟｽﾜｰﾄﾞ忘れた\ud800")
    assert "パスワード" in harness.client.transcript("staff")
    assert "問題が発生" not in harness.client.transcript("staff")
    rows = await log_rows(harness)
    assert rows[-1].query == "ﾊﾟｽﾜｰﾄﾞ忘れた\ufffd"


async def test_a_nul_in_the_message_is_answered_and_logged(database_url: str) -> None:
    # PostgreSQL text refuses NUL; it is replaced at the door like a lone surrogate
    async with Harness(make_settings(database_url), [STAFF, OTHER]) as h:
        await h.client.send("staff", "ﾊﾟｽﾜｰﾄﾞ忘れた\x00")
        assert "パスワード" in h.client.transcript("staff")
        assert "問題が発生" not in h.client.transcript("staff")
        assert (await log_rows(h))[-1].query == "ﾊﾟｽﾜｰﾄﾞ忘れた\ufffd"


async def test_a_choice_for_an_entry_removed_since_logs_no_choice(harness: Harness) -> None:
    await harness.client.send("staff", "推進員")  # clarify: a log row without a choice
    (row,) = await log_rows(harness)
    await harness.client.send("staff", "", {"action": "faq.show", "id": "gone-by-reload", "log": row.id})
    assert texts.NOT_FOUND in harness.client.transcript("staff")
    (row,) = await log_rows(harness)
    assert row.chosen_id is None


async def test_an_entry_turned_down_is_never_offered_again_for_that_question(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "推進員")
    first = client.last_buttons("staff")[0]
    await client.press("staff", first)
    turned_down = {first.value["id"]}
    for _ in range(5):  # each 「解決しない」 offers only what was not turned down, then a person
        await press(harness, "staff", texts.BUTTON_UNSOLVED)
        text = client.transcript("staff")
        if texts.OFFER_PERSON in text:
            break
        offered = [b.value["id"] for b in client.last_buttons("staff") if shows(b)]
        assert offered and not turned_down & set(offered), (turned_down, offered)
        choice = next(b for b in client.last_buttons("staff") if shows(b))
        await client.press("staff", choice)
        turned_down.add(choice.value["id"])
    else:
        raise AssertionError("a person was never offered")
    (row,) = await log_rows(harness)  # one question, however many entries were tried
    assert row.feedback == "unsolved" and row.chosen_id == first.value["id"]


async def test_typed_unsolved_is_about_the_last_reply_and_a_second_one_offers_a_person(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "ﾊﾟｽﾜｰﾄﾞ忘れた")
    await press(harness, "staff", texts.BUTTON_SOLVED)
    await client.send("staff", "推進員")  # a 「もしかして」 card comes after the rated answer
    client.received("staff")
    await client.send("staff", "解決しない")
    assert texts.OFFER_PERSON in client.transcript("staff")
    assert [(r.band, r.feedback) for r in await log_rows(harness)] == [("answer", "solved"), ("clarify", "unsolved")]
    await client.send("staff", "ユーデミーのサインイン方法")
    client.received("staff")
    await client.send("staff", "解決しない")
    assert texts.NEXT_CANDIDATES in client.transcript("staff")
    await client.send("staff", "解決しない")
    assert texts.OFFER_PERSON in client.transcript("staff")


async def test_a_follow_up_is_logged_on_its_own_and_the_first_card_keeps_its_rating(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "VPNが遅い")
    first = client.last_buttons("staff")
    follow = next(b for b in first if shows(b))
    await client.press("staff", follow)
    solved = next(b for b in first if b.title == texts.BUTTON_SOLVED)
    await client.press("staff", solved)  # on the first card, pressed after the follow-up
    rows = await log_rows(harness)
    assert [(r.chosen_id, r.feedback) for r in rows] == [("vpn-slow", "solved"), (follow.value["id"], None)]


async def test_yes_after_the_offer_of_a_person_starts_the_consultation(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "ボーナスはいつ支給されますか")
    client.received("staff")
    await client.send("staff", "いいえ")
    assert client.transcript("staff") == texts.PERSON_DECLINED
    await client.send("staff", "はい")  # the offer was answered: nothing is waiting now
    assert client.transcript("staff") == texts.NOTHING_ASKED
    await client.send("staff", "ボーナスはいつ支給されますか")
    client.received("staff")
    await client.send("staff", "はい")
    assert "ボーナスはいつ支給されますか" in client.transcript("staff")
    assert any(b.title == "送信する" for b in client.last_buttons("staff"))


async def test_a_colleagues_card_in_a_channel_is_logged_and_rated_for_the_presser(harness: Harness) -> None:
    from bot.devchannel.render import buttons

    client, channel = harness.client, "19:dev-channel@thread.tacv2"

    async def post(user: object, value: dict | None = None, text: str = "") -> list:
        activity = client.in_channel(user, text)
        if value is not None:
            activity["value"] = value
        seq = harness.channel.last_seq
        assert await client.post(activity) == 201
        return [b for s in harness.channel.since(seq, channel) for b in buttons(s.activity)]

    asked = await post(STAFF, text="推進員")
    choice = next(b for b in asked if shows(b))
    answered = await post(OTHER, choice.value)  # a colleague presses STAFF's 「もしかして」
    solved = next(b for b in answered if b.title == texts.BUTTON_SOLVED)
    await post(OTHER, solved.value)
    rows = await log_rows(harness)
    assert [(r.user_id, r.band, r.feedback) for r in rows] == [
        (STAFF.aad_object_id, "clarify", None), (OTHER.aad_object_id, "answer", "solved")]


async def test_an_answer_with_own_people_in_a_channel_says_whose_they_are(harness: Harness) -> None:
    # in a channel everyone reads the card: 「あなたの所属」 is said to be the asker's
    from bot.devchannel.render import render

    client, channel = harness.client, "19:dev-channel@thread.tacv2"
    seq = harness.channel.last_seq
    assert await client.post(client.in_channel(STAFF, "うちの課の推進員を知りたい")) == 201
    text = "\n".join(render(s.activity) for s in harness.channel.since(seq, channel))
    assert texts.FILLED_FOR.format(name=STAFF.name) in text
    assert "デジタル活用推進員: 高橋 翔太さん、伊藤 美咲さん" in text
    await client.send("staff", "うちの課の推進員を知りたい")  # in the personal chat: not said
    assert "さんの場合の回答です" not in client.transcript("staff")
    nameless = client.in_channel(OTHER, "うちの課の推進員を知りたい")  # Teams sent no name
    del nameless["from"]["name"]
    seq = harness.channel.last_seq
    assert await client.post(nameless) == 201
    text = "\n".join(render(s.activity) for s in harness.channel.since(seq, channel))
    assert "デジタル活用推進員:" in text and "さんの場合" not in text  # not 「（さんの場合…）」


def shows(button: object) -> bool:
    value = getattr(button, "value", None)
    return isinstance(value, dict) and value.get("action") == "faq.show"


async def test_a_did_you_mean_choice_can_be_typed_as_a_number_or_none_of_these(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "推進員")
    second = client.last_buttons("staff")[1]
    client.received("staff")
    await client.send("staff", "２")
    assert second.title in client.transcript("staff")
    await client.send("staff", "推進員")
    client.received("staff")
    await client.send("staff", "どれでもない")
    said = client.transcript("staff")  # the question was understood, only not answered: no
    assert texts.OFFER_PERSON in said and texts.NO_MATCH not in said  # 「給与や休暇は庶務へ」
    await client.send("staff", "推進員")
    client.received("staff")
    await client.send("staff", "いいえ")  # to 「もしかして」: none of these, not 「何も聞いていません」
    said = client.transcript("staff")
    assert texts.OFFER_PERSON in said and texts.NOTHING_ASKED not in said
    rows = await log_rows(harness)
    assert [(r.query, r.chosen_id, r.feedback) for r in rows] == [
        ("推進員", second.value["id"], None), ("推進員", None, "unsolved"), ("推進員", None, "unsolved")]


async def test_a_number_not_on_the_card_asks_again_and_the_choices_still_wait(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "推進員")
    buttons = [b for b in client.last_buttons("staff") if shows(b)]
    client.received("staff")
    await client.send("staff", str(len(buttons) + 2))
    assert client.transcript("staff") == texts.choose_number(len(buttons))
    await client.send("staff", "0")
    assert client.transcript("staff") == texts.choose_number(len(buttons))
    await client.send("staff", "２番")  # as people also write it
    assert buttons[1].title in client.transcript("staff")
    await client.send("staff", "推進員")
    client.received("staff")
    await client.send("staff", "1つ目")
    assert buttons[0].title in client.transcript("staff")
    assert [r.chosen_id for r in await log_rows(harness)] == [buttons[1].value["id"], buttons[0].value["id"]]


async def test_none_of_these_typed_under_a_chosen_answer_turns_that_answer_down(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "推進員")
    first = client.last_buttons("staff")[0]
    await client.send("staff", "1")
    client.received("staff")
    await client.send("staff", "どれでもない")  # the answer to the choice was not it either
    said = client.transcript("staff")
    assert texts.NEXT_CANDIDATES in said or texts.OFFER_PERSON in said
    assert texts.NO_MATCH not in said
    assert first.value["id"] not in [b.value.get("id") for b in client.last_buttons("staff") if shows(b)]
    (row,) = await log_rows(harness)  # no new question 「どれでもない」
    assert (row.query, row.chosen_id, row.feedback) == ("推進員", first.value["id"], "unsolved")


async def test_no_typed_under_an_answer_turns_it_down_but_leaving_does_not(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "ﾕｰﾃﾞﾐｰのサインイン方法")
    client.received("staff")
    await client.send("staff", "やっぱいいです")  # leaving is no verdict on the answer
    assert texts.NEXT_CANDIDATES not in client.transcript("staff")
    await client.send("staff", "ﾕｰﾃﾞﾐｰのサインイン方法")
    client.received("staff")
    await client.send("staff", "はい")  # 「わかりました」: acknowledged, no verdict either
    assert client.transcript("staff") == texts.DISMISSED
    assert [r.feedback for r in await log_rows(harness)] == [None, None]
    await client.send("staff", "ﾕｰﾃﾞﾐｰのサインイン方法")
    client.received("staff")
    await client.send("staff", "違います")
    said = client.transcript("staff")
    assert texts.NEXT_CANDIDATES in said and texts.NOTHING_ASKED not in said
    *_, row = await log_rows(harness)
    assert (row.chosen_id, row.feedback) == ("udemy-login", "unsolved")


async def test_typing_for_a_person_after_none_of_these_keeps_the_question(harness: Harness) -> None:
    from bot.texts import escalation

    client = harness.client
    await client.send("staff", "推進員")
    await client.send("staff", "どれでもない")
    client.received("staff")
    await client.send("staff", "担当者に相談")  # typed, as the button would have done it
    said = client.transcript("staff")
    assert escalation.CONFIRM_TITLE in said and "推進員" in said and escalation.ASK_QUESTION not in said


async def test_a_bare_number_with_no_choice_waiting_is_not_a_question(harness: Harness) -> None:
    from bot import texts as common

    await harness.client.send("staff", "2")
    assert harness.client.transcript("staff") == common.NUMBER_ONLY
    await harness.client.send("staff", "12345")
    assert harness.client.transcript("staff") == common.NUMBER_ONLY
    assert await log_rows(harness) == []


async def test_yes_is_about_the_offer_just_made_never_a_second_consultation(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "ボーナスはいつ支給されますか")
    await client.send("staff", "はい")  # the offer: the consultation starts
    await client.send("staff", "はい")  # its confirmation: sent
    assert "チケット番号: 1" in client.transcript("staff")
    await harness.runtime.drain()  # 佐藤 is an admin too: the delivery notices arrive first
    client.received("staff")
    await client.send("staff", "はい")
    assert client.transcript("staff") == texts.NOTHING_ASKED
    await client.send("staff", "ユーデミーのサインイン方法")
    await press(harness, "staff", texts.BUTTON_UNSOLVED)  # the next candidates: nothing asked
    client.received("staff")
    await client.send("staff", "はい")
    assert client.transcript("staff") == texts.NOTHING_ASKED


async def test_a_number_chooses_from_the_next_candidates_too(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "推進員")
    await client.press("staff", client.last_buttons("staff")[0])
    await press(harness, "staff", texts.BUTTON_UNSOLVED)
    offered = [b for b in client.last_buttons("staff") if shows(b)]
    assert offered, "next candidates"
    client.received("staff")
    await client.send("staff", "1")
    assert offered[0].title in client.transcript("staff")


@pytest.mark.parametrize(("text", "command"), [
    ("主査級DX研修をキャンセルしたい", "my_enrolments"),  # a course named: the lead is enough
    ("主査級DX研修のキャンセル待ちの順番は？", "my_enrolments"),  # the list, not a withdrawal
    ("主任との会議をキャンセルしたい", None),  # 主任 names no course without 研修
    ("DX推進スペシャリストを辞退したい", None),  # a withdrawal never starts a sign-up
    ("デジタル活用推進員の指名を辞退したい", None),  # the FAQ knows this one
    ("異動したので所属を直したい", "profile"),
    ("所属が変わったので共有フォルダが見られない", None),  # an IT question about a transfer
    ("Teamsのプロフィール写真を変更したい", None),
    ("4月から異動になったので所属を変更したいです", "profile"),
    ("所属を変更したらメールアドレスも変わる？", None),
    ("推進員研修の参加をキャンセルしたい", "my_enrolments"),  # the top intent was the sign-up
    ("デジタル活用推進員研修をキャンセルしたい", "my_enrolments"),  # ... or an escalation
    ("推進員研修の参加をｷｬﾝｾﾙ", "my_enrolments"),
    ("DX推進スペシャリストの研修の応募をとりけしたい", "my_enrolments"),
    ("Udemyのライセンスを返却したい", None),  # the FAQ, not the sign-up
    ("職場内DX研修の動画を止めたい", None),  # 止める: a video, not a withdrawal
    ("Udemyのメールを止めたい", None),
    ("キャンセル待ちで申し込みたい", "enrol"),
])
async def test_which_free_texts_start_a_command(harness: Harness, text: str, command: str | None) -> None:
    assert harness.runtime.bot.intent_of is not None
    assert harness.runtime.bot.intent_of(text) == command


@pytest.mark.parametrize(("typed", "reply"), [
    ("すみません", "はい。DXサポートボットです。"),  # calling for attention: not 「自動応答」 guesses
    ("もういい", texts.DISMISSED), ("やっぱりいいです", texts.DISMISSED),
])
async def test_small_talk_gets_a_reply_not_faq_guesses(harness: Harness, typed: str, reply: str) -> None:
    await harness.client.send("staff", typed)
    said = harness.client.transcript("staff")
    assert said.startswith(reply) and texts.CLARIFY not in said and not harness.client.last_buttons("staff")
