"""The HTTP surface: ``POST /api/messages``, ``GET /healthz`` and ``GET /readyz``."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web
from requests import RequestException

from bot.activity_check import (
    Rejection,
    check_authorization,
    check_content_type,
    check_tenant,
    parse_body,
    to_activity,
)
from bot.config import Settings
from bot.logs import conversation_id, correlation_id
from bot.runtime import Runtime, start_runtime

log = logging.getLogger(__name__)

RUNTIME = web.AppKey("runtime", Runtime)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# what a data file's error may quote of a person: /readyz answers anyone who can reach it
_PERSONAL = (
    (re.compile(r"(UPN|AADオブジェクトID)\s*「[^」]*」"), r"\1「***」"),  # a malformed value too
    (re.compile(r"(UPN|AADオブジェクトID) [^\s「」()（）、]+"), r"\1 ***"),
    (re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+"), "***"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "***"),
)


def _public(text: str) -> str:
    """An error as /readyz shows it: file, line and problem, without e-mail addresses or ids
    (the organisation files' errors quote UPNs; the admin sees them in 管理 状態 and the CLI)."""
    for pattern, stand_in in _PERSONAL:
        text = pattern.sub(stand_in, text)
    return text


def _correlation(request: web.Request) -> str:
    given = request.headers.get("X-Correlation-Id", "")
    return given if _SAFE_ID.match(given) else uuid.uuid4().hex[:12]


async def messages(request: web.Request) -> web.StreamResponse:
    """Validate the activity, then hand it to botbuilder; every bad input is a 4xx."""
    runtime = request.app[RUNTIME]
    settings = runtime.settings
    cid = _correlation(request)
    correlation_id.set(cid)
    try:
        auth = check_authorization(
            request.headers.get("Authorization"), auth_enabled=settings.auth_enabled
        )
        check_content_type(request.headers.get("Content-Type"))
        if (request.content_length or 0) > settings.max_body_bytes:
            raise Rejection(413, "too_large", f"the body exceeds {settings.max_body_bytes} bytes")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Rejection(413, "too_large", f"the body exceeds {settings.max_body_bytes} bytes") from None
        activity = to_activity(parse_body(raw))
        check_tenant(activity, settings.allowed_tenant_ids)
    except Rejection as rejection:
        log.info("rejected request", extra={"status": rejection.status, "reason": rejection.code})
        return web.json_response(rejection.body(), status=rejection.status)

    conversation_id.set(activity.conversation.id)
    started = False

    async def logic(turn_context):  # type: ignore[no-untyped-def]
        nonlocal started
        started = True
        await runtime.bot.on_turn(turn_context)

    try:
        async with runtime.turn_lock(activity.conversation.id):
            invoke = await runtime.adapter.process_activity(auth, activity, logic)
    except Exception as exc:
        if started:
            raise
        if _unreachable(exc):  # Microsoft's signing keys could not be fetched: not the caller's fault
            log.error("authentication unavailable: the token's signing keys could not be fetched",
                      extra={"error": f"{type(exc).__name__}: {exc}"})
            return web.json_response(
                {"error": "auth_unavailable", "message": "the token cannot be checked now"},
                status=503, headers={"Retry-After": "30"})
        log.info("authentication failed", extra={"error": type(exc).__name__})
        return web.json_response(
            {"error": "unauthorized", "message": "the token was not accepted"}, status=401
        )
    if invoke:
        return _invoke_response(invoke.status, invoke.body)
    return web.Response(status=201)


def _unreachable(error: BaseException) -> bool:
    """A network failure (botbuilder fetching the OpenID metadata), as opposed to a token it
    refused (PermissionError, itself an OSError)."""
    if isinstance(error, PermissionError):
        return False
    return isinstance(error, ConnectionError | TimeoutError | aiohttp.ClientError | RequestException)


def _invoke_response(status: int, body: object) -> web.Response:
    """An invoke's reply as JSON. botbuilder's own replies are models, and the one it makes for
    a card action without usable data holds a Python exception that cannot be serialised:
    that becomes a plain error body with the same status, not a 500. An invoke the bot does not
    handle (botbuilder's 501 with no body) gets an error body too, not ``null``."""
    try:
        if hasattr(body, "serialize"):
            body = body.serialize()
        if body is None and status >= 400:
            return _invoke_error(status, "NotImplemented" if status == 501 else "BadRequest",
                                 "this invoke is not handled by the bot")
        return web.json_response(body, status=status)
    except Exception as exc:  # any failure to serialise a reply body
        log.info("invoke reply not serialisable", extra={"error": type(exc).__name__})
        return _invoke_error(status, "BadRequest", "the invoke could not be processed")


def _invoke_error(status: int, code: str, message: str) -> web.Response:
    """The error body Teams expects of an invoke (``application/vnd.microsoft.error``)."""
    return web.json_response(
        {"statusCode": status, "type": "application/vnd.microsoft.error",
         "value": {"code": code, "message": message}},
        status=status,
    )


async def healthz(request: web.Request) -> web.Response:
    """The process is alive: 503 when its background worker has stopped or is stuck in a step
    (chats are still answered, but notices and deadlines wait: restarting the process helps,
    taking it out of the load balancer does not)."""
    stuck = request.app[RUNTIME].worker.problem()
    if stuck is not None:
        return web.json_response({"status": "unhealthy", "problems": [stuck]}, status=503)
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers with the current schema and the data files are loaded.
    A file that failed to reload is listed under ``stale`` (still 200: the last good version
    keeps serving, but the admin must fix the file); ``data`` gives each data set's status
    (version, count, when loaded, errors and warnings). Errors are quoted without personal data."""
    runtime = request.app[RUNTIME]
    problems = [_public(p) for p in await runtime.problems()]
    data = [source.status.as_dict() for source in runtime.data_sources]
    if problems:
        return web.json_response({"status": "unavailable", "problems": problems, "data": data}, status=503)
    stale = [_public(s) for s in runtime.stale()]
    return web.json_response({"status": "ready", **({"stale": stale} if stale else {}), "data": data})


def create_app(settings: Settings, **runtime_options: Any) -> web.Application:
    """The aiohttp application; the runtime starts with the app and closes with it."""
    app = web.Application(client_max_size=settings.max_body_bytes)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        async with start_runtime(settings, **runtime_options) as runtime:
            app[RUNTIME] = runtime
            yield

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
