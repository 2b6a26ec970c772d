"""Sending one outbox message through botbuilder, and what its failure means.

``Delivery.send`` runs ``adapter.continue_conversation`` (a proactive turn, never a user's)
under its own timeout, posts the activity (or PUTs it over an earlier one) and classifies the
result: delivered; retry later (429, 412, 408, 401, 5xx, timeouts, connection errors; with the
channel's Retry-After); unreachable (403 e.g. MessageWritesBlocked, 404, or no stored
reference); failed (any other 4xx). ``ConversationLimiter`` keeps each conversation under
Teams' per-bot rate limits by telling the worker how long to defer.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError
from requests.exceptions import Timeout

RETRY_STATUSES = frozenset({401, 408, 412, 429})
UNREACHABLE_STATUSES = frozenset({403, 404})
# Teams: per bot per conversation, 7 messages/s, 8 per 2 s, 60 per 30 s, 1,800 per hour.
TEAMS_LIMITS: tuple[tuple[timedelta, int], ...] = (
    (timedelta(seconds=1), 7),
    (timedelta(seconds=2), 8),
    (timedelta(seconds=30), 60),
    (timedelta(hours=1), 1800),
)


@dataclass(frozen=True)
class Delivered:
    activity_id: str | None


@dataclass(frozen=True)
class Retry:
    error: str
    retry_after: float | None = None
    unexpected: bool = False  # not the channel's doing (likely our bug): retried briefly only


@dataclass(frozen=True)
class Permanent:
    status: str  # "failed" or "unreachable"
    error: str


Result = Delivered | Retry | Permanent


RETRY_AFTER_LIMIT = 3600.0  # a longer Retry-After is waited for an hour, then tried again


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), at most an hour: an
    absurd value would otherwise park a person's messages for years (or overflow the clock)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_LIMIT)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max(0.0, (moment - (now or datetime.now(UTC))).total_seconds()), RETRY_AFTER_LIMIT)


def _error_code(exc: HttpOperationError) -> str:
    inner = getattr(getattr(exc, "error", None), "error", None)
    return str(getattr(inner, "code", "") or "")


def classify(exc: BaseException) -> Result:
    """What a failed send means for the message."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(exc, HttpOperationError) and isinstance(status, int):
        code = _error_code(exc)
        error = f"HTTP {status}" + (f" {code}" if code else "")
        if status in UNREACHABLE_STATUSES:
            return Permanent("unreachable", error)
        if status in RETRY_STATUSES or status >= 500:
            headers = getattr(response, "headers", None) or {}
            return Retry(error, parse_retry_after(headers.get("Retry-After")))
        return Permanent("failed", error)
    if isinstance(exc, TimeoutError):
        return Retry("timeout")
    if isinstance(exc, ClientRequestError | ConnectionError | OSError):
        return Retry(f"connection: {type(exc).__name__}: {exc}")
    return Retry(f"{type(exc).__name__}: {exc}", unexpected=True)


class Delivery:
    """Sends activities proactively with ``continue_conversation`` under a timeout."""

    def __init__(self, adapter: BotAdapter, app_id: str, timeout: float) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self.timeout = timeout

    async def send(self, reference: dict[str, Any] | None, activity: dict[str, Any],
                   update_id: str | None = None) -> Result:
        """Post ``activity`` to the referenced conversation, or replace ``update_id`` with it."""
        if reference is None:
            return Permanent("unreachable", "no conversation reference (the app is not installed)")
        try:
            conversation = ConversationReference().deserialize(reference)
            outgoing = Activity().deserialize(activity)
        except Exception as exc:  # a stored message that can never be sent: not worth a retry
            return Permanent("failed", f"the stored message cannot be read: {type(exc).__name__}")
        box: dict[str, Any] = {}

        async def callback(turn_context: TurnContext) -> None:
            # Errors are kept here: raised, botbuilder would hand them to on_turn_error.
            try:
                if update_id is not None:
                    outgoing.id = update_id
                    response = await turn_context.update_activity(outgoing)
                    box["id"] = getattr(response, "id", None) or update_id
                else:
                    response = await turn_context.send_activity(outgoing)
                    box["id"] = getattr(response, "id", None)
            except Exception as exc:
                box["error"] = exc

        try:  # a little longer than the HTTP request's own timeout (bot.adapter), which ends it
            await asyncio.wait_for(
                self._adapter.continue_conversation(conversation, callback, self._app_id),
                self.timeout + _GRACE_SECONDS,
            )
        except TimeoutError:
            return Retry(f"timeout after {self.timeout:g} s")
        except Exception as exc:
            return classify(exc)
        if _timed_out(box.get("error")):
            return Retry(f"timeout after {self.timeout:g} s")
        if "error" in box:
            return classify(box["error"])
        return Delivered(box.get("id"))


_GRACE_SECONDS = 5.0


def _timed_out(exc: BaseException | None) -> bool:
    """The connector client's HTTP request ran out of time (requests' Timeout, wrapped)."""
    return isinstance(exc, ClientRequestError) and isinstance(getattr(exc, "inner_exception", None), Timeout)


class ConversationLimiter:
    """Sliding-window counters per conversation: how long until one more message is allowed."""

    def __init__(self, limits: Iterable[tuple[timedelta, int]] = TEAMS_LIMITS) -> None:
        self.limits = tuple(limits)
        self._horizon = max(window for window, _ in self.limits)
        self._sent: dict[str, list[datetime]] = {}

    def wait(self, key: str, now: datetime) -> timedelta | None:
        """None when a message may go now, else how long to defer it."""
        times = self._prune(key, now)
        longest = timedelta(0)
        for window, limit in self.limits:
            inside = len(times) - bisect.bisect_right(times, now - window)
            if inside >= limit:
                # free once the oldest of the last ``limit`` messages leaves the window
                longest = max(longest, times[-limit] + window - now)
        return longest if longest > timedelta(0) else None

    def record(self, key: str, now: datetime) -> None:
        bisect.insort(self._sent.setdefault(key, []), now)

    def _prune(self, key: str, now: datetime) -> list[datetime]:
        times = self._sent.get(key, [])
        cut = bisect.bisect_right(times, now - self._horizon)
        if cut:
            del times[:cut]
        if not times:
            self._sent.pop(key, None)
        return times
