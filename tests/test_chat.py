"""``python app.py chat`` in a real terminal session: typed text, pressed buttons, identities."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.devchannel.chat import personas
from tests.conftest import ROOT


def test_the_address_the_bot_prints_is_accepted() -> None:
    from bot.devchannel.chat import bot_base_url

    for given in ("http://127.0.0.1:3978", "http://127.0.0.1:3978/", "http://127.0.0.1:3978/api/messages"):
        assert bot_base_url(given) == "http://127.0.0.1:3978"


def test_personas_come_from_the_directory() -> None:
    people = {p.key: p for p in personas(ROOT / "content/org")}
    assert {"staff", "promoter", "backup", "specialist", "admin", "newcomer"} <= set(people)
    assert people["admin"].upn == "sato.hanako@pref.example.lg.jp"


def test_chat_session(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}",
           "WATCH_FILES": "false", "MicrosoftAppId": ""}
    typed = "ヘルプ\n1\nﾊﾟｽﾜｰﾄﾞ忘れた\n99\n/as nobody\n/as admin\n管理\n/quit\n"
    result = subprocess.run([sys.executable, "app.py", "chat"], cwd=ROOT, env=env, input=typed,
                            capture_output=True, text=True, timeout=120)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[1] 質問の例を見る" in out  # the card, with numbered buttons
    assert "VPN 遅い" in out  # button 1 was pressed
    assert "パスワードを忘れた" in out  # a typed question answered
    assert "その番号のボタンはありません" in out
    assert "利用者「nobody」はいません" in out
    assert "データファイルの状態" in out  # /as admin then 管理


async def test_a_message_that_arrives_while_reading_is_shown_at_once(
    harness, capsys  # type: ignore[no-untyped-def]
) -> None:
    from bot.devchannel.chat import ChatSession
    from domain import outbox
    from tests.conftest import STAFF

    session = ChatSession(harness, list(harness.client.users.values()), {}, "staff")
    await session.handle("ヘルプ")  # opens the chat (a conversation reference is stored)
    session.show()
    capsys.readouterr()
    async with harness.runtime.sessions() as db, db.begin():
        await outbox.enqueue(db, "推進員からの回答です", user_id=STAFF.aad_object_id, topic="test")
    await harness.runtime.drain()
    assert "推進員からの回答です" in capsys.readouterr().out
    # And a number then presses a button of that newest message, not an older card.
    assert harness.client.received("staff") == []
