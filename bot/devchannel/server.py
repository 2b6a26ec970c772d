"""The Bot Connector endpoints the bot calls, served on 127.0.0.1, recording what it sends.

Faults can be injected (a fraction of requests answered 429, 500 or held past a timeout) to
test delivery. Waiting for messages uses a condition variable: no sleeps, no polling.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Sent:
    """One call the bot made to the channel."""

    seq: int
    method: str  # "send", "update", "delete", "create"
    conversation_id: str
    activity_id: str
    activity: dict[str, Any]
    reply_to: str | None = None


@dataclass
class Faults:
    """Fail this fraction of send/update calls with one of these statuses ("timeout" = hang)."""

    rate: float = 0.0
    statuses: tuple[int | str, ...] = (429, 500)
    seed: int = 1
    hang_seconds: float = 30.0
    blocked_conversations: set[str] = field(default_factory=set)
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def pick(self) -> int | str | None:
        if self.rate and self._random.random() < self.rate:
            return self._random.choice(self.statuses)
        return None


class DevChannel:
    """An aiohttp server that plays the Teams Bot Connector."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.sent: list[Sent] = []
        self.faults = Faults()
        self.failures = 0
        self.members: dict[str, dict[str, Any]] = {}
        self.member_lookups = 0
        self.hold: asyncio.Event | None = None  # when set, sends wait until it is set
        self.arrived = asyncio.Event()  # set whenever a send reaches the channel
        self.on_record: Callable[[Sent], None] | None = None  # e.g. the chat shows it at once
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self.abandoned = 0  # hung requests ("timeout" faults) their client gave up on
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------ lifecycle

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        conv = "/v3/conversations/{conversation_id}"
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post(conv + "/activities", self._send)
        app.router.add_post(conv + "/activities/{activity_id}", self._send)
        app.router.add_put(conv + "/activities/{activity_id}", self._update)
        app.router.add_delete(conv + "/activities/{activity_id}", self._delete)
        app.router.add_get(conv + "/members", self._members)
        app.router.add_get(conv + "/members/{member_id}", self._member)
        app.router.add_get(conv + "/pagedmembers", self._paged_members)
        return app

    async def start(self) -> DevChannel:
        # handler_cancellation: a request its client closed is ended (see Faults, "timeout")
        self._runner = web.AppRunner(self.app(), access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DevChannel:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------ reading what was sent

    def since(self, seq: int, conversation_id: str | None = None) -> list[Sent]:
        return [
            s for s in self.sent
            if s.seq > seq and (conversation_id is None or s.conversation_id == conversation_id)
        ]

    @property
    def last_seq(self) -> int:
        return self.sent[-1].seq if self.sent else 0

    async def wait_abandoned(self, count: int, within: float = 10.0) -> None:
        """Wait until clients have closed ``count`` hung requests (raises TimeoutError)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.abandoned >= count), within)

    async def wait_for(self, predicate, within: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        """Wait until ``predicate(self.sent)`` holds (woken by each new call)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self.sent)), within)

    async def _record(self, sent: Sent) -> None:
        async with self._changed:
            self.sent.append(sent)
            self._changed.notify_all()
        if self.on_record is not None:
            self.on_record(sent)

    # ------------------------------------------------------------ endpoints

    async def _fault(self, conversation_id: str) -> web.Response | None:
        if conversation_id in self.faults.blocked_conversations:
            self.failures += 1
            return web.json_response(
                {"error": {"code": "MessageWritesBlocked", "message": "blocked"}}, status=403
            )
        fault = self.faults.pick()
        if fault is None:
            return None
        self.failures += 1
        if fault == "timeout":
            try:
                await asyncio.sleep(self.faults.hang_seconds)  # a hung channel, cut by the client
            except asyncio.CancelledError:  # the client gave up and closed the connection
                async with self._changed:
                    self.abandoned += 1
                    self._changed.notify_all()
                raise
            return web.json_response({"error": {"code": "Timeout"}}, status=504)
        headers = {"Retry-After": "1"} if fault == 429 else {}
        return web.json_response({"error": {"code": "Injected", "message": str(fault)}},
                                 status=int(fault), headers=headers)

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="invalid json") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="not an object")
        return body

    async def _send(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        self.arrived.set()
        if self.hold is not None:
            await self.hold.wait()
        failed = await self._fault(conversation_id)
        if failed is not None:
            return failed
        body = await self._body(request)
        new_id = f"act-{next(self._ids)}"
        await self._record(Sent(next(self._ids), "send", conversation_id, new_id, body,
                                request.match_info.get("activity_id")))
        return web.json_response({"id": new_id})

    async def _update(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        failed = await self._fault(conversation_id)
        if failed is not None:
            return failed
        body = await self._body(request)
        activity_id = request.match_info["activity_id"]
        await self._record(Sent(next(self._ids), "update", conversation_id, activity_id, body))
        return web.json_response({"id": activity_id})

    async def _delete(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        activity_id = request.match_info["activity_id"]
        await self._record(Sent(next(self._ids), "delete", conversation_id, activity_id, {}))
        return web.Response(status=200)

    async def _create(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        new_id = f"a:created-{next(self._ids)}"
        await self._record(Sent(next(self._ids), "create", new_id, "", body))
        return web.json_response({"id": new_id, "activityId": None, "serviceUrl": self.url})

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.members.values()))

    async def _paged_members(self, request: web.Request) -> web.Response:
        return web.json_response({"members": list(self.members.values())})

    async def _member(self, request: web.Request) -> web.Response:
        self.member_lookups += 1
        member = self.members.get(request.match_info["member_id"])
        if member is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation", "message": "not found"}},
                status=404,
            )
        return web.json_response(member)
