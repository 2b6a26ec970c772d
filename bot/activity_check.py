"""Check an incoming request before botbuilder sees it, so bad input gets a 4xx, never a 500.

botbuilder's CloudAdapter answers 500 to invalid JSON, a JSON array, an activity without a
conversation, a garbage bearer token and more (see the platform notes). Every such case is
caught here and turned into a short JSON error with the right status.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botbuilder.schema import Activity

_JWT = re.compile(r"^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_MAX_ID = 1024


@dataclass(frozen=True, slots=True)
class Rejection(Exception):
    """A request the bot will not process: HTTP status, a code and a short reason."""

    status: int
    code: str
    message: str

    def body(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def check_content_type(content_type: str | None) -> None:
    if not content_type:
        raise Rejection(415, "unsupported_media_type", "Content-Type: application/json is required")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise Rejection(415, "unsupported_media_type", "Content-Type must be application/json")


def check_authorization(header: str | None, *, auth_enabled: bool) -> str:
    """The Authorization header to pass on ('' when auth is off); 401 when required and malformed."""
    if not auth_enabled:
        return ""
    if not header:
        raise Rejection(401, "unauthorized", "Authorization header is required")
    if len(header) > 16_384 or not _JWT.match(header) or not _jwt_header_ok(header):
        raise Rejection(401, "unauthorized", "Authorization header is not a bearer token")
    return header


def _jwt_header_ok(header: str) -> bool:
    """The token's first segment decodes to a JSON object naming an algorithm."""
    segment = header.removeprefix("Bearer ").split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(decoded, dict) and isinstance(decoded.get("alg"), str)


def parse_body(raw: bytes) -> dict[str, Any]:
    """A JSON object, or 400."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise Rejection(400, "invalid_json", "the body is not valid UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise Rejection(400, "invalid_activity", "the body must be a JSON object (an Activity)")
    if _UNSTORABLE_ESCAPE.search(raw):
        try:
            body = _replace_unstorable(body)
        except RecursionError:
            raise Rejection(400, "invalid_json", "the body is nested too deeply") from None
    return body


# JSON may spell characters that Python keeps in a str but a database or log will not take: a
# lone UTF-16 surrogate (\ud800: no encoder accepts it) and NUL (\u0000: PostgreSQL text
# refuses it). Each becomes U+FFFD at the door, so what the user wrote is stored and answered
# like any other text.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _replace_unstorable(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replace_unstorable(k): _replace_unstorable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_unstorable(v) for v in value]
    return value


def _str_field(obj: Any, path: str, *, required: bool = True, ascii_only: bool = False) -> str | None:
    value = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise Rejection(400, "invalid_activity", f"'{path}' is required and must be a string")
    if len(value) > _MAX_ID:
        raise Rejection(400, "invalid_activity", f"'{path}' is too long")
    if ascii_only and not value.isascii():
        raise Rejection(400, "invalid_activity", f"'{path}' must be ASCII")
    return value


def _http_url(url: str) -> bool:
    """An http(s) URL with a host and, if given, a valid port."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port out of range or not a number
        return False


# Teams' channelData: these members are objects and this one a string (botbuilder's Teams
# handler deserializes them and fails mid-turn on anything else).
_CHANNEL_DATA_OBJECTS = ("team", "channel", "tenant", "meeting", "settings", "notification", "eventInfo")


def _check_channel_data(data: Any) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        raise Rejection(400, "invalid_activity", "'channelData' must be an object")
    for key in _CHANNEL_DATA_OBJECTS:
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise Rejection(400, "invalid_activity", f"'channelData.{key}' must be an object")
    if data.get("eventType") is not None and not isinstance(data["eventType"], str):
        raise Rejection(400, "invalid_activity", "'channelData.eventType' must be a string")


def to_activity(body: dict[str, Any]) -> Activity:
    """Validate the fields a turn needs and deserialize; 400 for anything malformed."""
    _str_field(body, "type")
    _str_field(body, "channelId")
    _str_field(body, "conversation.id", ascii_only=True)
    service_url = _str_field(body, "serviceUrl", ascii_only=True) or ""
    if not _http_url(service_url):
        raise Rejection(400, "invalid_activity", "'serviceUrl' must be an http(s) URL")
    _check_channel_data(body.get("channelData"))
    _str_field(body, "from.id", ascii_only=True)
    _str_field(body, "recipient.id", ascii_only=True)
    _str_field(body, "id", required=False, ascii_only=True)
    if body.get("type") == "invoke" and body.get("value") is not None and not isinstance(body["value"], dict):
        # every Teams invoke carries an object; botbuilder fails reading any other, and that
        # failure looked like the bot's own bug (the person's open dialog was cleared)
        raise Rejection(400, "invalid_activity", "an invoke's 'value' must be an object")
    if body.get("deliveryMode") not in (None, "normal", "notification"):
        raise Rejection(400, "invalid_activity", "this deliveryMode is not supported")
    for key in ("text", "textFormat", "locale", "name", "action", "channelId"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise Rejection(400, "invalid_activity", f"'{key}' must be a string")
    for key in ("entities", "attachments", "membersAdded", "membersRemoved"):
        value = body.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            raise Rejection(400, "invalid_activity", f"'{key}' must be a list of objects")
    try:
        activity = Activity().deserialize(body)
    except Exception:  # msrest raises several types for mistyped fields
        raise Rejection(400, "invalid_activity", "the activity has fields of the wrong type") from None
    for entity in activity.entities or []:
        if entity.type == "mention":
            mentioned = (entity.additional_properties or {}).get("mentioned")
            if not isinstance(mentioned, dict) or not isinstance(mentioned.get("id"), str):
                raise Rejection(400, "invalid_activity", "a mention entity needs 'mentioned.id'")
            if not isinstance((entity.additional_properties or {}).get("text"), str | None):
                # Teams has been seen to send null here (group chats): the tags are enough
                raise Rejection(400, "invalid_activity", "a mention entity's 'text' must be a string")
    return activity


def tenant_of(activity: Activity) -> str | None:
    """The tenant id Teams sends in ``conversation.tenantId`` or ``channelData.tenant.id``."""
    if activity.conversation and activity.conversation.tenant_id:
        return activity.conversation.tenant_id
    data = activity.channel_data
    if isinstance(data, dict) and isinstance(data.get("tenant"), dict):
        tenant = data["tenant"].get("id")
        return tenant if isinstance(tenant, str) else None
    return None


def check_tenant(activity: Activity, allowed: frozenset[str]) -> None:
    if allowed and tenant_of(activity) not in allowed:
        raise Rejection(403, "forbidden_tenant", "this tenant is not allowed to use the bot")
