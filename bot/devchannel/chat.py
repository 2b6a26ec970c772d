"""``python app.py chat``: talk to the bot in the terminal, as any person in the directory.

Cards are shown as text with numbered buttons; type the number to press one. ``/as KEY``
switches identity, showing what that person received (proactive messages included).
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from bot.config import Settings
from bot.devchannel.client import DevUser
from bot.devchannel.converse import ScriptError, parse_duration
from bot.devchannel.harness import Harness
from bot.devchannel.render import render
from bot.devchannel.server import Sent
from domain.clock import ShiftedClock
from knowledge.directory import ROLE_LABELS, Directory, load_directory

HELP = """\
コマンド: /as キー (利用者を切り替え)  /users (利用者一覧)  /install (アプリ追加を再現)
          /wait 2h (時計を進める・内部処理を実行)  /quit (終了)
数字だけを入力すると、直前のカードのボタンを押します。"""


def personas(org_dir: Path) -> list[DevUser]:
    """Useful people from the directory: a staff member, their unit's promoters, the
    department's specialist, an admin, and a newcomer the directory does not know."""
    load = load_directory(org_dir)
    directory: Directory | None = load.directory if not load.errors else None
    users: list[DevUser] = []
    if directory is not None:
        seen: set[str] = set()

        def add(key: str, upn: str | None) -> None:
            person = directory.person_by_upn(upn) if upn else None
            if person and person.upn not in seen:
                seen.add(person.upn)
                aad = person.aad_object_id or str(uuid.uuid5(uuid.NAMESPACE_URL, person.upn))
                users.append(DevUser(key, person.name, aad, person.upn))

        for unit_code in sorted({p.unit_code for p in directory.people.values()}):
            promoters = directory.promoters(unit_code)
            plain = [p for p in directory.people.values() if p.unit_code == unit_code and not directory.roles_of(p.upn)]
            if len(promoters) >= 2 and plain:
                unit = directory.unit(unit_code)
                add("staff", plain[0].upn)
                add("promoter", promoters[0].upn)
                add("backup", promoters[1].upn)
                if unit:
                    specialists = directory.specialists(unit.department_code)
                    add("specialist", specialists[0].upn if specialists else None)
                break
        admins = directory.admins()
        add("admin", admins[0].upn if admins else None)
        helpdesk = directory.helpdesk()
        add("helpdesk", helpdesk[-1].upn if helpdesk else None)
    users.append(DevUser("newcomer", "新井 真央", str(uuid.uuid5(uuid.NAMESPACE_URL, "newcomer")),
                         "arai.mao@pref.example.lg.jp"))
    return users


def describe(user: DevUser, directory_roles: dict[str, str]) -> str:
    return f"{user.key:<10} {user.name} {directory_roles.get(user.upn, '')}".rstrip()


class ChatSession:
    """One terminal session: whose turn it is, and how each typed line is handled."""

    def __init__(self, harness: Harness, people: list[DevUser], roles: dict[str, str], current: str) -> None:
        self.h = harness
        self.people = people
        self.roles = roles
        self.current = current
        self.busy = False  # while our own turn runs, its replies are printed when it ends
        harness.channel.on_record = self._arrived

    def _arrived(self, sent: Sent) -> None:
        """Show at once what reaches the current person while they read (a promoter's answer)."""
        if not self.busy and sent.conversation_id == self.h.client.users[self.current].personal_conversation:
            self.show()

    def show(self) -> None:
        for sent in self.h.client.received(self.current):
            print(render(sent.activity, updated=sent.method == "update"), flush=True)

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False ends the session."""
        client = self.h.client
        if line in ("/quit", "/exit"):
            return False
        if line == "/users":
            print("\n".join("  " + describe(p, self.roles) for p in self.people))
        elif line.startswith("/as"):
            key = line[3:].strip()
            if key not in client.users:
                print(f"利用者「{key}」はいません。/users で一覧を表示します。")
            else:
                self.current = key
                print(client.transcript(key) or "(新着はありません)")
        elif line == "/install":
            await client.post(client.install(client.users[self.current]))
        elif line.startswith("/wait"):
            await self.wait(line[5:].strip())
        elif line.isdigit():
            await self.press(int(line))
        elif line:
            await client.send(self.current, line)
        return True

    async def wait(self, amount: str) -> None:
        if self.h.server is None:
            print("/wait は --url なしで起動したときだけ使えます。")
            return
        try:
            delta = parse_duration(amount or "drain")
        except ScriptError as exc:
            print(exc)
            return
        clock = self.h.runtime.clock
        if delta is not None and isinstance(clock, ShiftedClock):
            clock.advance(delta)
        await self.h.runtime.drain()

    async def press(self, number: int) -> None:
        buttons = self.h.client.last_buttons(self.current)
        if not 1 <= number <= len(buttons):
            print("その番号のボタンはありません。")
        elif buttons[number - 1].kind == "openUrl":
            print(f"リンク: {buttons[number - 1].value}")
        else:
            await self.h.client.press(self.current, buttons[number - 1])

    async def run(self) -> int:
        client = self.h.client
        while True:
            waiting = [k for k in client.users if k != self.current and client.received(k, mark=False)]
            if waiting:
                print(f"(新着あり: {', '.join(waiting)} — /as キー で表示)")
            try:
                line = await asyncio.to_thread(input, f"\n{client.users[self.current].name}> ")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            self.busy = True
            try:
                if not await self.handle(line.strip()):
                    return 0
            finally:
                self.busy = False
            self.show()


def bot_base_url(url: str) -> str:
    """The bot's address as the client wants it: the one the bot prints at start-up
    (``…/api/messages``) works too."""
    return url.rstrip("/").removesuffix("/api/messages")


async def run_chat(settings: Settings, url: str | None = None, user: str | None = None) -> int:
    url = bot_base_url(url) if url else None
    people = personas(settings.org_dir)
    roles: dict[str, str] = {}
    load = load_directory(settings.org_dir)
    if load.directory is not None:
        for person in people:
            labels = sorted(ROLE_LABELS.get(r, r) for r in load.directory.roles_of(person.upn))
            roles[person.upn] = f"({'・'.join(labels)})" if labels else ""
    current = user if user in {p.key for p in people} else people[0].key
    options = {} if url else {"clock": ShiftedClock()}
    async with Harness(settings, people, bot_url=url, **options) as h:
        print("DXサポートボットとの会話 (Teams の代わりに開発用チャネルを使っています)")
        print(HELP)
        print("利用者:\n" + "\n".join("  " + describe(p, roles) for p in people))
        return await ChatSession(h, people, roles, current).run()
