"""Proactive delivery end to end: the real app and adapter, the dev channel standing in for
Teams (with injected faults), a real SQLite file and PostgreSQL, a hand-moved clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import ConversationLimiter, Delivery, Result, parse_retry_after
from bot.devchannel.client import DevUser
from bot.devchannel.harness import BotServer, Harness
from bot.devchannel.server import Faults
from bot.runtime import Runtime, start_runtime
from bot.worker import Worker
from domain import outbox
from domain.clock import ManualClock
from domain.outbox import OutboxMessage, Outcome
from tests.conftest import make_settings

USERS = [
    DevUser(f"u{i}", f"職員{i}", str(uuid.UUID(int=0xD0_0000 + i)), f"u{i}@pref.example.lg.jp")
    for i in range(5)
]
U0 = USERS[0]
CHANNEL = "19:dev-channel@thread.tacv2"


@asynccontextmanager
async def running(database_url: str, clock: ManualClock, **overrides: Any) -> AsyncIterator[Harness]:
    """The bot with every user installed (so their references are stored)."""
    # 1 s: short enough for tests of hanging sends, long enough that a busy host never cuts a
    # send that succeeds (a cut send is retried by design, and would arrive twice)
    settings = make_settings(database_url, **{"delivery_timeout": 1.0, **overrides})
    async with Harness(settings, USERS, clock=clock) as h:
        for user in USERS:
            assert await h.client.post(h.client.install(user)) == 201
        yield h


async def enqueue(rt: Runtime, user: DevUser | None, *texts: str, **options: Any) -> list[int]:
    async with rt.sessions() as session, session.begin():
        ids = []
        for text in texts:
            target = {"user_id": user.aad_object_id} if user else {}
            message = await outbox.enqueue(session, text, **target, **options)
            ids.append(message.id or 0)
        return ids


def delivered(h: Harness, conversation: str, since: int) -> list[str]:
    return [s.activity.get("text", "") for s in h.channel.since(since, conversation)
            if s.method == "send"]


async def settle(rt: Runtime, clock: ManualClock, done: Callable[[], bool],
                 step: timedelta = timedelta(seconds=5), rounds: int = 200) -> None:
    """Drain, move the clock, drain again ... until ``done()`` (no real waiting)."""
    for _ in range(rounds):
        await rt.drain()
        if done():
            return
        clock.advance(step)
    raise AssertionError("the outbox did not settle")


async def row(rt: Runtime, message_id: int) -> OutboxMessage:
    async with rt.sessions() as session:
        found = await session.get(OutboxMessage, message_id)
        assert found is not None
        return found


class Outcomes:
    """An ``on_outcome`` hook that records what it was told."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, Outcome]] = []

    async def __call__(self, message: OutboxMessage, outcome: Outcome, session: AsyncSession) -> None:
        self.seen.append((message.id or 0, outcome))


async def test_a_message_arrives_in_the_persons_personal_chat(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        mark = h.channel.last_seq
        card = outbox.card_activity({"type": "AdaptiveCard", "version": "1.5", "body": []},
                                    text="研修のお知らせ")
        async with h.runtime.sessions() as session, session.begin():
            await outbox.enqueue(session, "お問い合わせに回答がありました", user_id=U0.aad_object_id)
            await outbox.enqueue(session, card, user_id=U0.aad_object_id)
        # Woken by the commit, the background worker sends them without a drain.
        await h.channel.wait_for(lambda sent: len(h.channel.since(mark)) >= 2)
        first, second = h.channel.since(mark)
        assert first.conversation_id == second.conversation_id == U0.personal_conversation
        assert first.activity["text"] == "お問い合わせに回答がありました"
        assert second.activity["attachments"][0]["contentType"] == (
            "application/vnd.microsoft.card.adaptive")
        assert all(delivered(h, u.personal_conversation, mark) == [] for u in USERS[1:])


async def test_a_message_to_a_channel_conversation_uses_its_reference(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        await h.client.post(h.client.in_channel(U0, "ヘルプ"))
        mark = h.channel.last_seq
        async with h.runtime.sessions() as session, session.begin():
            await outbox.enqueue(session, "チャネルへのお知らせ", conversation_id=CHANNEL)
        await h.runtime.drain()
        assert delivered(h, CHANNEL, mark) == ["チャネルへのお知らせ"]


async def test_every_message_arrives_in_order_despite_faults(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        mark = h.channel.last_seq
        h.channel.faults = Faults(rate=0.3, statuses=(429, 500, "timeout"), hang_seconds=1.5)
        expected = {u.personal_conversation: [f"{u.key}-{n:02d}" for n in range(12)] for u in USERS}
        for user in USERS:
            await enqueue(h.runtime, user, *expected[user.personal_conversation])

        await settle(h.runtime, clock, lambda: all(
            len(delivered(h, conv, mark)) >= len(texts) for conv, texts in expected.items()))
        assert h.channel.failures >= 10  # the faults really happened
        for conversation, texts in expected.items():
            assert delivered(h, conversation, mark) == texts
        async with h.runtime.sessions() as session:
            statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
        assert set(statuses) == {"sent"} and len(statuses) == 60


async def test_retry_after_is_honoured(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        h.channel.faults = Faults(rate=1.0, statuses=(429,))  # answers Retry-After: 1
        (message_id,) = await enqueue(h.runtime, U0, "混雑中")
        await h.runtime.drain()
        pending = await row(h.runtime, message_id)
        assert (pending.status, pending.attempts) == ("pending", 1)
        assert (pending.last_error or "").startswith("HTTP 429")
        assert pending.next_attempt_at is not None
        assert pending.next_attempt_at >= clock.now() + timedelta(seconds=1)


async def test_a_send_that_hangs_is_cut_by_the_delivery_timeout_and_retried(
    database_url: str,
) -> None:
    clock = ManualClock()
    async with running(database_url, clock, delivery_timeout=0.2) as h:
        mark = h.channel.last_seq
        h.channel.faults = Faults(rate=1.0, statuses=("timeout",), hang_seconds=0.6)
        (message_id,) = await enqueue(h.runtime, U0, "遅延")
        await h.runtime.drain()
        assert (await row(h.runtime, message_id)).last_error == "timeout after 0.2 s"

        h.channel.faults = Faults()
        await settle(h.runtime, clock, lambda: delivered(h, U0.personal_conversation, mark) != [])
        assert delivered(h, U0.personal_conversation, mark) == ["遅延"]


async def test_a_hung_send_is_closed_by_its_own_request_not_left_to_land_later(database_url: str) -> None:
    # botbuilder sends from a thread whose request waits 100 s: abandoned by the timeout alone,
    # it went on and delivered after its own retry (twice, out of order), and held up shutdown
    clock = ManualClock()
    async with running(database_url, clock, delivery_timeout=0.3) as h:
        h.channel.faults = Faults(rate=1.0, statuses=("timeout",), hang_seconds=60)
        (message_id,) = await enqueue(h.runtime, U0, "遅延")
        await h.runtime.drain()
        assert (await row(h.runtime, message_id)).last_error == "timeout after 0.3 s"
        await h.channel.wait_abandoned(1)  # the client closed the request (within 10 s, not 60)


async def test_a_blocked_bot_makes_the_message_unreachable_and_reports_it(
    database_url: str,
) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        hook = Outcomes()
        h.runtime.worker.outcomes.on_outcome("escalation:", hook)
        h.channel.faults.blocked_conversations.add(U0.personal_conversation)
        (message_id,) = await enqueue(h.runtime, U0, "対応をお願いします", topic="escalation:12")
        for _ in range(3):
            await h.runtime.drain()
            clock.advance(timedelta(hours=1))

        assert h.channel.failures == 1  # a 403 is not retried
        assert hook.seen == [(message_id, Outcome("unreachable", None,
                                                  "HTTP 403 MessageWritesBlocked"))]
        assert (await row(h.runtime, message_id)).status == "unreachable"


async def test_no_stored_reference_is_reported_unreachable(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        hook = Outcomes()
        h.runtime.worker.outcomes.on_outcome("escalation:", hook)
        h.runtime.worker.outcomes.on_outcome("course:", hook)  # another prefix: not called
        mark = h.channel.last_seq
        stranger = DevUser("x", "未導入", str(uuid.UUID(int=7)))
        (message_id,) = await enqueue(h.runtime, stranger, "届かない", topic="escalation:3")
        await h.runtime.drain()
        assert h.channel.since(mark) == []
        ((seen_id, outcome),) = hook.seen
        assert (seen_id, outcome.status) == (message_id, "unreachable")
        assert "no conversation reference" in (outcome.error or "")


async def test_repeated_failures_end_as_failed_and_the_conversation_moves_on(
    database_url: str,
) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        hook = Outcomes()
        h.runtime.worker.outcomes.on_outcome("", hook)
        mark = h.channel.last_seq
        h.channel.faults = Faults(rate=1.0, statuses=(500,))
        (doomed,) = await enqueue(h.runtime, U0, "失敗する", topic="t:1", max_attempts=3)
        await settle(h.runtime, clock, lambda: bool(hook.seen))
        failed = await row(h.runtime, doomed)
        assert (failed.status, failed.attempts, h.channel.failures) == ("failed", 3, 3)
        assert hook.seen[0][1].status == "failed"

        h.channel.faults = Faults()
        await enqueue(h.runtime, U0, "次のお知らせ")
        await h.runtime.drain()
        assert delivered(h, U0.personal_conversation, mark) == ["次のお知らせ"]


async def test_an_update_replaces_the_delivered_card(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        hook = Outcomes()
        h.runtime.worker.outcomes.on_outcome("escalation:", hook)
        mark = h.channel.last_seq
        ask = {"type": "AdaptiveCard", "version": "1.5",
               "body": [{"type": "TextBlock", "text": "対応できますか"}]}
        taken = {"type": "AdaptiveCard", "version": "1.5",
                 "body": [{"type": "TextBlock", "text": "対応済み"}]}
        async with h.runtime.sessions() as session, session.begin():
            first = await outbox.enqueue(session, outbox.card_activity(ask),
                                         user_id=U0.aad_object_id, topic="escalation:5")
            await outbox.enqueue(session, outbox.card_activity(taken), update_of=first.id,
                                 topic="escalation:5")
        await h.runtime.drain()

        post, put = h.channel.since(mark, U0.personal_conversation)
        assert (post.method, put.method) == ("send", "update")
        assert put.activity_id == post.activity_id
        assert put.activity["attachments"][0]["content"]["body"][0]["text"] == "対応済み"
        assert [o.status for _, o in hook.seen] == ["sent", "sent"]
        assert hook.seen[0][1].activity_id == post.activity_id


async def test_the_rate_limit_defers_messages_without_dropping_them(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        mark = h.channel.last_seq
        texts = [f"n{n}" for n in range(10)]
        await enqueue(h.runtime, U0, *texts)
        counts = []
        for _ in range(3):
            await h.runtime.drain()
            counts.append(len(delivered(h, U0.personal_conversation, mark)))
            clock.advance(timedelta(seconds=1))
        assert counts == [7, 8, 10]  # 7 per second, 8 per 2 seconds
        assert delivered(h, U0.personal_conversation, mark) == texts


async def test_stopping_finishes_the_send_in_flight_and_releases_it(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        mark = h.channel.last_seq
        h.channel.faults = Faults(rate=1.0, statuses=("timeout",), hang_seconds=1.5)
        in_flight = asyncio.Event()
        send = h.runtime.worker.delivery.send

        async def noted(*args: Any, **kwargs: Any) -> Result:
            in_flight.set()
            return await send(*args, **kwargs)

        h.runtime.worker.delivery.send = noted  # type: ignore[method-assign]
        (message_id,) = await enqueue(h.runtime, U0, "停止中に送信")
        await in_flight.wait()
        assert h.server is not None
        sessions = h.runtime.sessions
        await h.server.stop()  # graceful: waits for the send (cut by the 1 s timeout)

        async with sessions() as session:
            stopped = await session.get(OutboxMessage, message_id)
        assert stopped is not None
        assert (stopped.status, stopped.attempts, stopped.claimed_by) == ("pending", 1, None)
        assert stopped.last_error == "timeout after 1 s"

        h.channel.faults = Faults()
        h.server = BotServer(h.settings, clock=clock)
        await h.server.start()
        await settle(h.runtime, clock, lambda: delivered(h, U0.personal_conversation, mark) != [])
        assert delivered(h, U0.personal_conversation, mark) == ["停止中に送信"]


async def test_pending_messages_survive_a_restart(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        mark = h.channel.last_seq
        h.channel.faults = Faults(rate=1.0, statuses=(500,))
        await enqueue(h.runtime, U0, "再起動前1", "再起動前2", "再起動前3")
        await h.runtime.drain()
        assert delivered(h, U0.personal_conversation, mark) == []

        assert h.server is not None
        await h.server.stop()
        h.channel.faults = Faults()
        h.server = BotServer(h.settings, clock=clock)
        await h.server.start()
        h.client.bot_url = h.server.url
        await settle(h.runtime, clock, lambda: len(delivered(h, U0.personal_conversation, mark)) == 3)
        assert delivered(h, U0.personal_conversation, mark) == ["再起動前1", "再起動前2", "再起動前3"]


async def test_two_workers_deliver_each_message_exactly_once(database_url: str) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h, start_runtime(h.settings, clock) as other:
        mark = h.channel.last_seq
        sends = {"one": 0, "two": 0}
        for name, worker in (("one", h.runtime.worker), ("two", other.worker)):
            count_sends(worker, sends, name)
        expected = {u.personal_conversation: [f"{u.key}/{n}" for n in range(8)] for u in USERS}
        for user in USERS:
            await enqueue(h.runtime, user, *expected[user.personal_conversation])

        for _ in range(10):
            await asyncio.gather(h.runtime.drain(), other.drain())
            clock.advance(timedelta(seconds=2))
        for conversation, texts in expected.items():
            assert delivered(h, conversation, mark) == texts  # once each, in order
        assert sends["one"] > 0 and sends["two"] > 0
        assert set((await statuses(h.runtime)).values()) == {"sent"}


def count_sends(worker: Worker, sends: dict[str, int], name: str) -> None:
    """Count the sends of one worker (two claims each, so that both take part)."""
    worker.concurrency = 2
    send = worker.delivery.send

    async def counted(*args: Any, **kwargs: Any) -> Result:
        sends[name] += 1
        return await send(*args, **kwargs)

    worker.delivery.send = counted  # type: ignore[method-assign]


async def statuses(rt: Runtime) -> dict[int, str]:
    async with rt.sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    return {m.id or 0: m.status for m in rows}


class DyingWorker(Worker):
    """Sends, then dies before it can record the send."""

    async def record(self, message: OutboxMessage, result: Result) -> None:
        raise RuntimeError("killed between the send and the commit")


async def test_a_worker_dying_after_sending_leads_to_a_resend_not_a_loss(
    database_url: str,
) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        mark = h.channel.last_seq
        rt = h.runtime
        await rt.worker.stop()  # so that the dying worker is the one that claims
        dying = DyingWorker(rt.sessions, Delivery(rt.adapter, "", 5.0), clock, name="dying")
        await enqueue(rt, U0, "一通目", "二通目")
        await dying.drain()
        assert delivered(h, U0.personal_conversation, mark) == ["一通目"]

        await rt.worker.start()  # the survivor: the lease still holds, and 二通目 waits behind it
        await rt.drain()
        assert delivered(h, U0.personal_conversation, mark) == ["一通目"]

        clock.advance(dying.lease)
        await rt.drain()
        assert delivered(h, U0.personal_conversation, mark) == ["一通目", "一通目", "二通目"]
        assert set((await statuses(rt)).values()) == {"sent"}


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 26 Nov 2026 09:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 26 Nov 2026 08:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("9" * 30, now) == 3600.0  # waited an hour at most, then tried again
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == 3600.0
    assert parse_retry_after(None, now) is None


def test_the_limiter_follows_every_teams_window() -> None:
    limiter = ConversationLimiter()
    start = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    sent: list[datetime] = []
    now = start
    while len(sent) < 70:  # always send at the earliest moment the limiter allows
        wait = limiter.wait("c", now)
        if wait is not None:
            now += wait
            continue
        limiter.record("c", now)
        sent.append(now)
    for window, limit in ((1, 7), (2, 8), (30, 60)):
        for i, moment in enumerate(sent):
            inside = [t for t in sent[: i + 1] if t > moment - timedelta(seconds=window)]
            assert len(inside) <= limit
    assert sent[60] >= start + timedelta(seconds=30)  # the 61st waits for the 30 s window
    assert limiter.wait("other", start) is None  # per conversation


async def test_a_channel_outage_of_hours_delays_a_message_but_does_not_lose_it(
    database_url: str,
) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        hook = Outcomes()
        h.runtime.worker.outcomes.on_outcome("", hook)
        mark = h.channel.last_seq
        h.channel.faults = Faults(rate=1.0, statuses=(500, 503, 429))
        (notice,) = await enqueue(h.runtime, U0, "キャンセル待ちから繰り上がりました", topic="t:2")
        for _ in range(36):  # six hours of outage, ten minutes at a time
            await h.runtime.drain()
            clock.advance(timedelta(minutes=10))
        assert hook.seen == []  # neither failed nor taken for an unreachable recipient
        assert (await row(h.runtime, notice)).status == "pending"
        h.channel.faults = Faults()
        await settle(h.runtime, clock, lambda: bool(hook.seen), step=timedelta(minutes=5))
        assert hook.seen[0][1].status == "sent"
        assert delivered(h, U0.personal_conversation, mark) == ["キャンセル待ちから繰り上がりました"]


async def test_a_stored_message_that_cannot_be_read_fails_at_once_and_frees_the_queue(
    database_url: str,
) -> None:
    clock = ManualClock()
    async with running(database_url, clock) as h:
        hook = Outcomes()
        h.runtime.worker.outcomes.on_outcome("", hook)
        mark = h.channel.last_seq
        async with h.runtime.sessions() as session, session.begin():
            broken = await outbox.enqueue(session, {"type": "message", "attachments": "壊れた"},
                                          user_id=U0.aad_object_id, topic="t:3")
        await enqueue(h.runtime, U0, "次のお知らせ")
        await settle(h.runtime, clock, lambda: bool(hook.seen), step=timedelta(minutes=5))
        failed = await row(h.runtime, broken.id or 0)
        assert (failed.status, failed.attempts) == ("failed", 1)  # it can never be sent
        await settle(h.runtime, clock, lambda: bool(delivered(h, U0.personal_conversation, mark)))
        assert delivered(h, U0.personal_conversation, mark) == ["次のお知らせ"]


def test_an_error_that_is_not_the_channels_is_retried_briefly_only() -> None:
    from bot.delivery import Retry, classify

    assert classify(ValueError("ours")) == Retry("ValueError: ours", unexpected=True)
    assert classify(TimeoutError()) == Retry("timeout")
    assert not classify(ConnectionResetError("gone")).unexpected
