"""A client that posts Teams-shaped activities to the bot and reads what each user received."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.devchannel.render import Button, buttons, render
from bot.devchannel.server import DevChannel, Sent

TENANT_ID = "00000000-0000-4000-8000-00000000dev0"
BOT_ID = "28:dx-support-bot"
BOT_NAME = "DXサポートボット"


@dataclass(frozen=True)
class DevUser:
    """A person in the dev channel: their Teams id is derived from the key."""

    key: str
    name: str
    aad_object_id: str
    upn: str = ""

    @property
    def teams_id(self) -> str:
        return f"29:dev-{self.key}"

    @property
    def personal_conversation(self) -> str:
        return f"a:dev-personal-{self.key}"

    def member(self) -> dict[str, Any]:
        """What ``TeamsInfo.get_member`` answers for this person."""
        return {
            "id": self.teams_id, "name": self.name, "aadObjectId": self.aad_object_id,
            "email": self.upn, "userPrincipalName": self.upn, "tenantId": TENANT_ID,
        }


class DevClient:
    """Sends activities as users and collects, per user, what the bot sent to their chat."""

    def __init__(self, bot_url: str, channel: DevChannel, users: list[DevUser]) -> None:
        self.bot_url = bot_url.rstrip("/")
        self.channel = channel
        self.users = {u.key: u for u in users}
        self._seen: dict[str, int] = dict.fromkeys(self.users, 0)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)
        for user in users:
            channel.members[user.teams_id] = user.member()

    async def __aenter__(self) -> DevClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session:
            await self._session.close()

    # ------------------------------------------------------------ building activities

    def activity(self, user: DevUser, **fields: Any) -> dict[str, Any]:
        """A Teams-shaped activity from ``user`` in their personal chat; ``fields`` override."""
        base: dict[str, Any] = {
            "type": "message",
            "id": f"msg-{next(self._ids)}-{uuid.uuid4().hex[:6]}",
            "timestamp": datetime.now(UTC).isoformat(),
            "channelId": "msteams",
            "serviceUrl": self.channel.url,
            "from": {"id": user.teams_id, "name": user.name, "aadObjectId": user.aad_object_id},
            "conversation": {
                "id": user.personal_conversation, "conversationType": "personal",
                "tenantId": TENANT_ID,
            },
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "locale": "ja-JP",
            "textFormat": "plain",
            "channelData": {"tenant": {"id": TENANT_ID}},
            "entities": [{"type": "clientInfo", "locale": "ja-JP", "timezone": "Asia/Tokyo"}],
        }
        base.update(fields)
        return base

    def install(self, user: DevUser) -> dict[str, Any]:
        """The conversationUpdate Teams sends when a person installs the app."""
        return self.activity(
            user, type="conversationUpdate",
            membersAdded=[{"id": BOT_ID}, {"id": user.teams_id}],
        )

    def in_channel(self, user: DevUser, text: str, channel_id: str = "19:dev-channel@thread.tacv2") -> dict[str, Any]:
        """A channel message that @mentions the bot, as Teams sends it."""
        mention = f"<at>{BOT_NAME}</at>"
        return self.activity(
            user,
            text=f"{mention} {text}",
            conversation={"id": channel_id, "conversationType": "channel", "isGroup": True,
                          "tenantId": TENANT_ID},
            entities=[{"type": "mention", "text": mention,
                       "mentioned": {"id": BOT_ID, "name": BOT_NAME}}],
            channelData={"tenant": {"id": TENANT_ID}, "channel": {"id": channel_id},
                         "team": {"id": "19:dev-team@thread.tacv2"}},
        )

    # ------------------------------------------------------------ sending

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        """POST an activity to /api/messages; returns the HTTP status."""
        assert self._session is not None, "use 'async with DevClient(...)'"
        async with self._session.post(
            f"{self.bot_url}/api/messages", json=activity, headers=headers or {}
        ) as response:
            await response.read()
            return response.status

    async def send(self, key: str, text: str = "", value: dict[str, Any] | None = None,
                   reply_to: str | None = None) -> int:
        user = self.users[key]
        fields: dict[str, Any] = {"text": text}
        if value is not None:
            fields["value"] = value
        if reply_to is not None:
            fields["replyToId"] = reply_to
        return await self.post(self.activity(user, **fields))

    async def press(self, key: str, button: Button, on: str | None = None) -> int:
        """Press a button the way Teams does: Submit posts its data (naming the card's message
        ``on``, when given, as replyToId), imBack posts its text."""
        if button.kind == "submit":
            return await self.send(key, "", button.value if isinstance(button.value, dict) else {}, on)
        if button.kind in ("imBack", "messageBack"):
            return await self.send(key, str(button.value))
        raise ValueError(f"'{button.title}' opens a link; it cannot be pressed here")

    # ------------------------------------------------------------ reading

    def received(self, key: str, *, mark: bool = True) -> list[Sent]:
        """What the bot sent to this user's personal chat since the last call."""
        user = self.users[key]
        items = [s for s in self.channel.since(self._seen[key], user.personal_conversation)
                 if s.method in ("send", "update")]
        if mark:
            self._seen[key] = self.channel.last_seq
        return items

    def transcript(self, key: str, *, mark: bool = True) -> str:
        return "\n".join(render(s.activity, updated=s.method == "update") for s in self.received(key, mark=mark))

    def shown_buttons(self, key: str, *, stale: bool = False) -> list[tuple[str, list[Button]]]:
        """The buttons of each message in this user's personal chat as it shows now (a card the
        bot updated, as updated; a deleted one not at all), with its id, newest message first.
        ``stale``: as each was first sent (a client the updates have not reached yet)."""
        latest: dict[str, Sent] = {}
        for sent in self.channel.since(0, self.users[key].personal_conversation):
            if sent.method == "send" or (sent.method == "update" and not stale):
                latest[sent.activity_id] = sent  # an update keeps the message's place
            elif sent.method == "delete":
                latest.pop(sent.activity_id, None)
        shown = ((sent.activity_id, buttons(sent.activity)) for sent in reversed(latest.values()))
        return [(message, found) for message, found in shown if found]

    def last_buttons(self, key: str) -> list[Button]:
        """Buttons of the newest message to this user that has any."""
        user = self.users[key]
        for sent in reversed(self.channel.since(0, user.personal_conversation)):
            found = buttons(sent.activity)
            if found:
                return found
        return []
