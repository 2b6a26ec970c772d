"""End to end over real HTTP: the real app and adapter, the dev channel standing in for Teams."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import texts
from bot.devchannel.harness import Harness
from bot.texts import profile
from tests.conftest import OTHER, ROOT, STAFF, make_settings


def titles(harness: Harness, key: str) -> list[str]:
    return [b.title for b in harness.client.last_buttons(key)]


async def test_install_greets_once_with_the_welcome_card(harness: Harness) -> None:
    client = harness.client
    assert await client.post(client.install(STAFF)) == 201
    text = client.transcript("staff")
    assert texts.WELCOME_TITLE in text
    assert {"研修申込", "担当者に相談"} <= set(titles(harness, "staff"))
    # Teams also sends installationUpdate for the same install: no second greeting.
    assert await client.post(client.activity(STAFF, type="installationUpdate", action="add")) == 201
    assert client.transcript("staff") == ""


async def test_help_shows_what_the_bot_can_do(harness: Harness) -> None:
    for word in ("ヘルプ", "ｈｅｌｐ", " へるぷ。"):
        assert await harness.client.send("staff", word) == 201
        assert texts.WELCOME_TITLE in harness.client.transcript("staff")


async def test_replies_go_to_the_sender_only(harness: Harness) -> None:
    await harness.client.send("staff", "ヘルプ")
    assert harness.client.transcript("other") == ""
    assert texts.WELCOME_TITLE in harness.client.transcript("staff")


@pytest.mark.parametrize("text", ["ヘルプ", ""])  # 「@DXサポートボット」 alone asks for it too
async def test_mention_is_stripped_in_channels(harness: Harness, text: str) -> None:
    client = harness.client
    activity = client.in_channel(STAFF, text)
    seq = harness.channel.last_seq
    assert await client.post(activity) == 201
    sent = harness.channel.since(seq, activity["conversation"]["id"])
    assert len(sent) == 1
    assert sent[0].activity["attachments"][0]["content"]["body"][0]["text"] == texts.WELCOME_TITLE


async def test_a_file_with_the_mention_gets_the_file_hint_as_in_a_chat(harness: Harness) -> None:
    with_file = harness.client.in_channel(STAFF, "")
    with_file["attachments"] = [{"contentType": "image/png", "contentUrl": "https://example.invalid/a.png"}]
    seq = harness.channel.last_seq
    assert await harness.client.post(with_file) == 201
    assert harness.channel.since(seq, with_file["conversation"]["id"])[0].activity["text"] == texts.FILES_ONLY


async def test_only_the_mention_tags_are_taken_out_of_a_channel_question(harness: Harness) -> None:
    from sqlmodel import select

    from bot.devchannel.client import BOT_ID, BOT_NAME
    from domain.models import FaqQueryRow

    client = harness.client
    # the bot's name inside the sentence stays; a colleague's mention keeps the name only
    said = client.in_channel(STAFF, f"{BOT_NAME}で研修申込できますか")
    other = client.in_channel(STAFF, "<at>田中 太郎</at> さん、VPNが遅い")
    other["entities"].append({"type": "mention", "text": "<at>田中 太郎</at>",
                              "mentioned": {"id": "29:tanaka", "name": "田中 太郎"}})
    bare = client.in_channel(STAFF, "VPNが遅い")  # Teams sometimes sends the mention's text as null
    bare["entities"] = [{"type": "mention", "text": None, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}]
    for activity in (said, other, bare):
        assert await client.post(activity) == 201
    async with harness.runtime.sessions() as session:
        rows = (await session.execute(select(FaqQueryRow.query).order_by(FaqQueryRow.id))).scalars().all()
    assert rows == [f"{BOT_NAME}で研修申込できますか", "田中 太郎 さん、VPNが遅い", "VPNが遅い"]


async def test_button_press_runs_its_command(harness: Harness) -> None:
    await harness.client.send("staff", "ヘルプ")
    examples = next(b for b in harness.client.last_buttons("staff") if b.title == texts.BUTTON_FAQ_EXAMPLE)
    harness.client.received("staff")
    assert await harness.client.press("staff", examples) == 201
    assert "VPN 遅い" in harness.client.transcript("staff")


async def test_unknown_button_gets_a_polite_answer(harness: Harness) -> None:
    await harness.client.send("staff", "", {"action": "no-such-action"})
    assert texts.UNKNOWN_BUTTON in harness.client.transcript("staff")


async def test_empty_message_gets_a_hint(harness: Harness) -> None:
    await harness.client.send("staff", "   ")
    assert texts.EMPTY_MESSAGE in harness.client.transcript("staff")


async def test_emoji_alone_or_a_file_alone_gets_its_own_hint_and_is_not_logged(harness: Harness) -> None:
    from sqlmodel import func, select

    from domain.models import FaqQueryRow

    await harness.client.send("staff", "🙏🙏")
    assert harness.client.transcript("staff") == texts.NO_WORDS
    image = harness.client.activity(STAFF, text="", attachments=[
        {"contentType": "image/png", "contentUrl": "https://example.invalid/a.png", "name": "a.png"}])
    assert await harness.client.post(image) == 201
    assert harness.client.transcript("staff") == texts.FILES_ONLY
    async with harness.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(FaqQueryRow))).scalar_one() == 0


async def test_cancel_ends_an_active_dialog(harness: Harness) -> None:
    client = harness.client
    await client.send("other", "プロフィール")
    assert profile.ASK_UNIT in client.transcript("other")
    await client.send("other", "キャンセル")
    assert texts.CANCELLED in client.transcript("other")
    # The dialog is gone: the next text is not taken as the unit.
    await client.send("other", "キャンセル")
    assert texts.NOTHING_TO_CANCEL in client.transcript("other")


async def test_help_inside_a_dialog_keeps_the_dialog(harness: Harness) -> None:
    client = harness.client
    await client.send("other", "プロフィール")
    await client.send("other", "ヘルプ")
    await client.send("other", "そうむ")
    assert profile.CHOOSE_UNIT in client.transcript("other")


async def test_a_restart_in_the_middle_of_a_dialog_resumes_it(database_url: str) -> None:
    async with Harness(make_settings(database_url), [STAFF, OTHER]) as h:
        await h.client.send("other", "プロフィール")
        await h.client.send("other", "そうむ")  # typed in hiragana
        assert profile.CHOOSE_UNIT in h.client.transcript("other")
        await h.restart()  # a new app process on the same database
        await h.client.press("other", next(b for b in h.client.last_buttons("other") if b.title == "総務課（総務部）"))
        assert profile.ASK_TIER in h.client.transcript("other")
        await h.client.send("other", "主査")
        assert profile.SAVED.format(unit="総務課", tier="主査") in h.client.transcript("other")
        # Remembered across turns and restarts; the other user's state was never touched.
        await h.restart()
        await h.client.send("other", "プロフィール")
        assert "総務課（総務部）" in h.client.transcript("other")
        await h.client.send("staff", "主査")
        assert profile.SAVED.split("。")[0] not in h.client.transcript("staff")


async def test_a_person_in_the_directory_is_known_without_asking(harness: Harness) -> None:
    await harness.client.send("staff", "プロフィール")
    text = harness.client.transcript("staff")
    assert "佐藤 花子" in text and "デジタル改革推進課" in text and profile.FROM_DIRECTORY in text
    assert "管理者" in text  # roles from the directory
    assert profile.ASK_UNIT not in text


async def test_a_stranger_is_asked_once_and_can_pick_again(harness: Harness) -> None:
    client = harness.client
    await client.send("other", "プロフィール")
    await client.send("other", "存在しない部署ですよ")
    assert profile.ASK_UNIT_AGAIN in client.transcript("other")
    await client.send("other", "人事")
    await client.press("other", next(b for b in client.last_buttons("other") if b.title == profile.RETYPE_UNIT))
    assert profile.ASK_UNIT in client.transcript("other")


async def test_a_channel_failure_mid_dialog_keeps_the_dialog(harness: Harness) -> None:
    client = harness.client
    await client.send("other", "プロフィール")
    assert profile.ASK_UNIT in client.transcript("other")
    harness.channel.faults.rate, harness.channel.faults.statuses = 1.0, (500,)
    assert await client.send("other", "そうむ") == 201  # the reply could not be delivered
    harness.channel.faults.rate = 0.0
    await client.send("other", "そうむ")  # trying again continues the same dialog
    assert profile.CHOOSE_UNIT in client.transcript("other")


async def test_in_a_channel_each_persons_dialog_is_their_own(harness: Harness) -> None:
    # One person's open 相談 form must not take the next message from someone else
    from bot.texts import escalation

    client, channel = harness.client, harness.channel
    started = client.in_channel(STAFF, "担当者に相談")
    where = started["conversation"]["id"]
    await client.post(started)
    seq = channel.last_seq
    await client.post(client.in_channel(OTHER, "vpn 遅い"))
    answer = json.dumps([s.activity for s in channel.since(seq, where)], ensure_ascii=False)
    assert "VPN" in answer and escalation.CONFIRM_TITLE not in answer  # the FAQ answered
    seq = channel.last_seq
    await client.post(client.in_channel(STAFF, "共有フォルダに入れません"))
    form = json.dumps([s.activity for s in channel.since(seq, where)], ensure_ascii=False)
    assert escalation.CONFIRM_TITLE in form and "共有フォルダに入れません" in form


async def test_a_data_file_broken_since_start_up_stops_only_its_feature(
    sqlite_url: str, tmp_path: Path
) -> None:
    import shutil

    org = tmp_path / "org"
    shutil.copytree(ROOT / "content" / "org", org)
    with (org / "staff.yaml").open("a", encoding="utf-8") as f:  # a unit that does not exist
        f.write("  - {upn: x@pref.example.lg.jp, name: 誤記 太郎, unit_code: NO-SUCH}\n")
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "faq.csv").write_text("id,question,answer\nvpn,,\n", encoding="utf-8")  # no question
    async with Harness(make_settings(sqlite_url, org_dir=org), [STAFF, OTHER]) as h:
        assert h.runtime.directory.status.errors  # never loaded
        await h.client.send("staff", "vpn 遅い")  # the FAQ still answers
        assert "VPN" in h.client.transcript("staff")
    async with Harness(make_settings(sqlite_url, faq_dir=faq), [STAFF, OTHER]) as h:
        await h.client.send("staff", "vpn 遅い")
        assert texts.DATA_NOT_LOADED in h.client.transcript("staff")
        await h.client.send("staff", "ヘルプ")
        assert texts.WELCOME_TITLE in h.client.transcript("staff")
