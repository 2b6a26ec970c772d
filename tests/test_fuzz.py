"""1,200 malformed or mutated activities: never a 5xx, and the server still answers afterwards.

Generated from a fixed seed (reproducible). serviceUrl is only mutated into values the bot
must reject, so that no reply is ever sent anywhere but the dev channel on 127.0.0.1.
"""

from __future__ import annotations

import json
import random
from typing import Any

import aiohttp

from bot import texts
from bot.devchannel.harness import Harness
from tests.conftest import STAFF

CASES = 1200
WEIRD: list[Any] = [
    None, True, 0, -1, 2**63, 1.5e308, "", " ", "ヘルプ", "\u0000", "\ud7ff" * 3, "a" * 3000,
    [], [None], [{}], {}, {"id": None}, {"id": 5}, {"id": "会話"}, {"nested": {"deep": [1, {"x": []}]}},
    "<at>DX</at>", "2026-13-45T99:99:99", "message", "invoke", "conversationUpdate",
]
KEYS = ["type", "id", "timestamp", "channelId", "serviceUrl", "from", "conversation", "recipient",
        "text", "textFormat", "locale", "entities", "attachments", "value", "channelData",
        "membersAdded", "membersRemoved", "action", "name", "replyToId", "deliveryMode",
        "suggestedActions", "speak", "inputHint", "summary", "importance", "valueType"]
BAD_SERVICE_URLS: list[Any] = [None, 5, "", "ftp://127.0.0.1/", "javascript:alert(1)", "サービス", [], {}]


def mutate(base: dict[str, Any], rng: random.Random) -> tuple[bytes, dict[str, str]]:
    """One malformed request: a mutated activity, or a broken body or header."""
    headers = {"Content-Type": "application/json"}
    roll = rng.random()
    if roll < 0.05:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))), headers
    if roll < 0.08:
        return json.dumps(rng.choice(WEIRD)).encode(), headers
    if roll < 0.10:
        return json.dumps(base).encode(), rng.choice([{}, {"Content-Type": "text/plain"},
                                                      {"Content-Type": "application/xml"}])
    activity = json.loads(json.dumps(base))
    for _ in range(rng.randrange(1, 4)):
        key = rng.choice(KEYS)
        action = rng.random()
        if key == "serviceUrl":
            activity[key] = rng.choice(BAD_SERVICE_URLS)
        elif action < 0.3:
            activity.pop(key, None)
        elif action < 0.8:
            activity[key] = rng.choice(WEIRD)
        elif isinstance(activity.get(key), dict) and activity[key]:
            inner = rng.choice(list(activity[key]))
            activity[key][inner] = rng.choice(WEIRD)
        else:
            activity[key] = {"type": "mention", "mentioned": rng.choice(WEIRD), "text": rng.choice(WEIRD)}
    if rng.random() < 0.1:
        activity["entities"] = [{"type": "mention", "mentioned": rng.choice(WEIRD), "text": rng.choice(WEIRD)}]
    if rng.random() < 0.1:
        activity["value"] = {"action": rng.choice(WEIRD), "command": rng.choice(WEIRD)}
    body = json.dumps(activity).encode()
    if rng.random() < 0.03:
        body = body[: rng.randrange(len(body))]
    return body, headers


async def test_fuzzed_activities_never_get_a_5xx(harness: Harness) -> None:
    rng = random.Random(20261126)
    base = harness.client.activity(STAFF, text="ヘルプ")
    statuses: dict[int, int] = {}
    failures: list[str] = []
    async with aiohttp.ClientSession() as session:
        for index in range(CASES):
            body, headers = mutate(base, rng)
            async with session.post(f"{harness.client.bot_url}/api/messages", data=body, headers=headers) as r:
                await r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1
                if r.status >= 500:
                    failures.append(f"case {index}: {r.status} for {body[:300]!r}")
        async with session.get(f"{harness.client.bot_url}/healthz") as r:
            assert r.status == 200
    assert failures == [], "\n".join(failures[:10])
    assert sum(statuses.values()) == CASES
    assert statuses.get(400, 0) > 100, statuses  # the generator really produces malformed input
    # The server still answers a normal message afterwards.
    harness.client.received("staff")
    assert await harness.client.send("staff", "ヘルプ") == 201
    assert texts.WELCOME_TITLE in harness.client.transcript("staff")
