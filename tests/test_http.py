"""Every HTTP error the bot answers, over real HTTP: never a 500 for a malformed request."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.admin_flow import status_lines
from bot.db import create_engine
from bot.devchannel.client import TENANT_ID
from bot.devchannel.harness import Harness
from tests.conftest import ROOT, STAFF, make_settings

APP_ID = "5f0c2d1e-7a1b-4c2d-9e3f-0a1b2c3d4e5f"


async def post_raw(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.post(
        f"{url}/api/messages", data=body, headers=headers
    ) as response:
        text = await response.text()
        return response.status, (json.loads(text) if text else {})


JSON = {"Content-Type": "application/json"}


def url_of(h: Harness) -> str:
    return h.client.bot_url


async def test_health_and_readiness(harness: Harness) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url_of(harness)}/healthz") as r:
            assert r.status == 200
        async with session.get(f"{url_of(harness)}/readyz") as r:
            assert r.status == 200
            body = await r.json()
    assert body["status"] == "ready"
    data = {d["name"]: d for d in body["data"]}  # each data set's status, for the operator
    assert data["faq"]["count"] > 60 and data["faq"]["version"] == 1 and data["faq"]["errors"] == 0
    assert "path" not in data["faq"]  # nothing about the server's folders
    assert isinstance(data["faq"]["warnings"], int) and data["faq"]["loaded_at"]


async def test_readiness_lists_a_file_that_failed_to_reload(sqlite_url: str, tmp_path: Path) -> None:
    import shutil

    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "content" / "faq", faq)
    async with Harness(make_settings(sqlite_url, faq_dir=faq), [STAFF]) as h:
        (faq / "teams.yaml").write_text("entries:\n  - id: [broken\n", encoding="utf-8")
        assert (await h.runtime.faq.reload()).errors
        async with aiohttp.ClientSession() as session, session.get(f"{h.client.bot_url}/readyz") as r:
            assert r.status == 200  # the last good FAQ keeps serving
            body = await r.json()
    assert body["status"] == "ready" and body["stale"][0].startswith("faq: teams.yaml:")
    faq_status = next(d for d in body["data"] if d["name"] == "faq")
    assert faq_status["stale"] is True and faq_status["failed_at"] and faq_status["version"] == 1
    assert faq_status["errors"] == len(h.runtime.faq.status.errors) == 1  # counted, not quoted



async def test_a_restart_with_a_broken_file_answers_from_the_kept_copy(sqlite_url: str, tmp_path: Path) -> None:
    import shutil

    faq, kept = tmp_path / "faq", tmp_path / "kept"
    shutil.copytree(ROOT / "content" / "faq", faq)
    async with Harness(make_settings(sqlite_url, faq_dir=faq, last_good_dir=kept), [STAFF]) as h:
        pass  # a day of service: the files that loaded are kept
    (faq / "synonyms.yaml").write_text("- []\n", encoding="utf-8")  # broken over the weekend
    async with Harness(make_settings(sqlite_url, faq_dir=faq, last_good_dir=kept), [STAFF]) as h:
        async with aiohttp.ClientSession() as session, session.get(f"{h.client.bot_url}/readyz") as r:
            assert r.status == 200  # ready: the kept copy answers
            body = await r.json()
        await h.client.send("staff", "vpn 遅い")
        assert "VPN" in h.client.transcript("staff")
        shown = status_lines(h.runtime.faq.status)
    assert body["stale"][0].startswith("faq: synonyms.yaml:")
    assert next(d for d in body["data"] if d["name"] == "faq")["restored"] is True
    assert shown[0].startswith("⚠️ FAQ: 起動時にファイルを読み込めませんでした。前回正しく読めたファイルの控え")


async def test_readiness_quotes_no_address_of_a_person(sqlite_url: str, tmp_path: Path) -> None:
    import shutil

    org = tmp_path / "org"
    shutil.copytree(ROOT / "content" / "org", org)
    async with Harness(make_settings(sqlite_url, org_dir=org), [STAFF]) as h:
        staff = (org / "staff.yaml").read_text(encoding="utf-8")
        first = staff.index("- upn: ") + len("- upn: ")
        upn = staff[first:staff.index("\n", first)].strip()
        (org / "staff.yaml").write_text(staff + f"  - upn: {upn}\n    name: 重複 太郎\n    unit_code: DIG-01\n    tier: 主任\n",
                                        encoding="utf-8")
        errors = (await h.runtime.directory.reload()).errors
        assert any(upn in e for e in errors)  # the admin's own tools name the person
        async with aiohttp.ClientSession() as session, session.get(f"{h.client.bot_url}/readyz") as r:
            body = await r.json()
    assert body["status"] == "ready" and len(body["stale"]) == 1
    assert body["stale"][0].startswith("directory: staff.yaml:")
    assert "UPN *** が重複しています" in body["stale"][0] and "@" not in body["stale"][0]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("roles.yaml:3: UPN「kikaku.jiro」はメールアドレスの形式ではありません",
         "roles.yaml:3: UPN「***」はメールアドレスの形式ではありません"),  # malformed: still a name
        ("roles.yaml:3: UPN「企画 次郎 <kikaku.jiro@pref.example.lg.jp>」はメールアドレスの形式ではありません",
         "roles.yaml:3: UPN「***」はメールアドレスの形式ではありません"),
        ("staff.csv:3: AADオブジェクトID「2222-22」の形式が正しくありません",
         "staff.csv:3: AADオブジェクトID「***」の形式が正しくありません"),
        ("roles.yaml:5: UPN kikaku.jiro は職員一覧にいません", "roles.yaml:5: UPN *** は職員一覧にいません"),
        ("units.csv:2: 連絡先 a.b@pref.example.lg.jpは重複", "units.csv:2: 連絡先 ***は重複"),
        ("faq: teams.yaml:12: 関連FAQ「vpn」という ID はありません", "faq: teams.yaml:12: 関連FAQ「vpn」という ID はありません"),
    ],
)
def test_readiness_hides_what_names_a_person(error: str, shown: str) -> None:
    from bot.http import _public

    assert _public(error) == shown

async def health(h: Harness, path: str = "/healthz") -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(f"{url_of(h)}{path}") as r:
        return r.status, await r.json()


async def test_health_reports_a_worker_stuck_in_a_job(harness: Harness) -> None:
    from domain import jobs

    runtime, entered, release = harness.runtime, asyncio.Event(), asyncio.Event()

    async def hangs(payload: dict, session: object) -> None:
        entered.set()
        await release.wait()

    runtime.worker.handlers.register("hangs", hangs)
    async with runtime.sessions() as session, session.begin():
        await jobs.schedule(session, "hangs", runtime.clock.now(), {})
    await asyncio.wait_for(entered.wait(), 30)  # the worker's loop is inside the job now
    try:
        assert (await health(harness))[0] == 200  # a step that has just begun is no stall
        runtime.worker.stall_seconds = 0.0
        status, body = await health(harness)
        assert status == 503 and body["problems"][0].startswith("worker stalled: one step has run for")
        assert (await health(harness, "/readyz"))[0] == 200  # chats are still answered
    finally:
        release.set()


async def test_health_reports_a_worker_whose_loop_ended(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    worker = harness.runtime.worker
    assert worker._task is not None
    worker._task.cancel()  # as any error that escapes the loop would end it
    await asyncio.gather(worker._task, return_exceptions=True)
    status, body = await health(harness)
    assert status == 503 and body == {"status": "unhealthy", "problems": ["worker stopped: cancelled"]}
    assert "the worker's loop has ended" in caplog.text


async def test_readiness_reports_an_unreachable_database(harness: Harness) -> None:
    runtime = harness.runtime
    healthy = runtime.engine
    runtime.engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{url_of(harness)}/readyz") as r:
            assert r.status == 503
            assert "database unreachable" in " ".join((await r.json())["problems"])
    finally:
        await runtime.engine.dispose()
        runtime.engine = healthy


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"{not json", JSON, 400, "invalid_json"),
        (b"\xff\xfe\x00", JSON, 400, "invalid_json"),
        (b"[1, 2]", JSON, 400, "invalid_activity"),
        (b'"text"', JSON, 400, "invalid_activity"),
        (b'{"type": "message"}', JSON, 400, "invalid_activity"),
        (b"{}", JSON, 400, "invalid_activity"),
        (b'{"type": "message"}', {}, 415, "unsupported_media_type"),
        (b'{"type": "message"}', {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    ],
)
async def test_malformed_requests_get_4xx(harness: Harness, body: bytes, headers: dict, status: int, code: str) -> None:
    got, payload = await post_raw(url_of(harness), body, headers)
    assert (got, payload["error"]) == (status, code)


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        ({"conversation": None}, "conversation.id"),
        ({"conversation": {"id": "会話"}}, "conversation.id"),
        ({"serviceUrl": None}, "serviceUrl"),
        ({"serviceUrl": "ftp://x"}, "serviceUrl"),
        ({"serviceUrl": "http://"}, "serviceUrl"),
        ({"serviceUrl": "http://127.0.0.1:99999/"}, "serviceUrl"),
        ({"channelData": "x"}, "channelData"),
        ({"channelData": {"eventType": "teamRenamed", "team": "x"}}, "channelData.team"),
        ({"channelData": {"eventType": 5}}, "channelData.eventType"),
        ({"from": {}}, "from.id"),
        ({"recipient": None}, "recipient.id"),
        ({"type": 5}, "type"),
        ({"text": ["a"]}, "text"),
        ({"entities": "x"}, "entities"),
        ({"entities": [{"type": "mention", "mentioned": "bot"}]}, "mention"),
        ({"timestamp": "not a time"}, "wrong type"),
        ({"deliveryMode": "expectReplies"}, "deliveryMode"),
    ],
)
async def test_activities_missing_or_mistyped_fields_get_400(harness: Harness, mutation: dict, field: str) -> None:
    activity = harness.client.activity(STAFF, text="ヘルプ") | mutation
    status, payload = await post_raw(url_of(harness), json.dumps(activity).encode(), JSON)
    assert status == 400
    assert field in payload["message"]
    assert harness.channel.sent == []


async def test_body_over_the_limit_gets_413(sqlite_url: str) -> None:
    async with Harness(make_settings(sqlite_url, max_body_bytes=4096), [STAFF]) as h:
        activity = h.client.activity(STAFF, text="あ" * 5000)
        status, payload = await post_raw(url_of(h), json.dumps(activity).encode(), JSON)
        assert (status, payload["error"]) == (413, "too_large")
        status, _ = await post_raw(url_of(h), json.dumps(h.client.activity(STAFF, text="ヘルプ")).encode(), JSON)
        assert status == 201


def fake_jwt(header: object) -> str:
    seg = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    return f"Bearer {seg}.eyJhIjoxfQ.c2ln"


@pytest.fixture
async def auth_harness(sqlite_url: str) -> AsyncIterator[Harness]:
    settings = make_settings(sqlite_url, app_id=APP_ID, app_password="secret", app_tenant_id=TENANT_ID)
    async with Harness(settings, [STAFF]) as h:
        yield h


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic dXNlcjpwYXNz", "Bearer garbage", "Bearer a.b", fake_jwt(["not", "an", "object"]),
     "Bearer " + "x" * 7000],
)
async def test_auth_on_rejects_missing_or_malformed_tokens_with_401(auth_harness: Harness, authorization: str | None) -> None:
    headers = dict(JSON)
    if authorization is not None:
        headers["Authorization"] = authorization
    activity = auth_harness.client.activity(STAFF, text="ヘルプ")
    status, payload = await post_raw(url_of(auth_harness), json.dumps(activity).encode(), headers)
    assert (status, payload["error"]) == (401, "unauthorized")
    assert auth_harness.channel.sent == []


async def test_auth_off_ignores_a_garbage_authorization_header(harness: Harness) -> None:
    activity = harness.client.activity(STAFF, text="ヘルプ")
    headers = {**JSON, "Authorization": "Bearer garbage"}
    status, _ = await post_raw(url_of(harness), json.dumps(activity).encode(), headers)
    assert status == 201


async def test_tenant_allow_list(sqlite_url: str) -> None:
    async with Harness(make_settings(sqlite_url, allowed_tenant_ids=TENANT_ID + ",other"), [STAFF]) as h:
        assert await h.client.send("staff", "ヘルプ") == 201
        stranger = h.client.activity(STAFF, text="ヘルプ")
        stranger["conversation"]["tenantId"] = "evil-tenant"
        stranger["channelData"] = {"tenant": {"id": "evil-tenant"}}
        seq = h.channel.last_seq
        status, payload = await post_raw(url_of(h), json.dumps(stranger).encode(), JSON)
        assert (status, payload["error"]) == (403, "forbidden_tenant")
        assert h.channel.since(seq) == []


@pytest.mark.parametrize("value", [None, "x", {"action": None}])
async def test_a_card_action_invoke_without_usable_data_gets_a_4xx_not_a_500(
    harness: Harness, value: object
) -> None:
    activity = harness.client.activity(STAFF, text="") | {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": value,
    }
    status, _ = await post_raw(url_of(harness), json.dumps(activity).encode(), JSON)
    assert 400 <= status < 500


@pytest.mark.parametrize("name", ["task/fetch", "composeExtension/query", "fileConsent/invoke", "tab/fetch"])
async def test_an_invoke_with_a_value_that_is_no_object_is_refused_and_the_dialog_kept(
    harness: Harness, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.client.send("staff", "担当者に相談")
    harness.client.received("staff")
    activity = harness.client.activity(STAFF, text="") | {"type": "invoke", "name": name, "value": "x"}
    status, payload = await post_raw(url_of(harness), json.dumps(activity).encode(), JSON)
    assert (status, payload["error"]) == (400, "invalid_activity")
    await harness.client.send("staff", "共有フォルダの容量を増やしたい")  # the question asked for
    assert "[入力欄: 質問] 共有フォルダの容量を増やしたい" in harness.client.transcript("staff")
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("name", ["task/fetch", "composeExtension/query", "no/such-invoke"])
async def test_an_invoke_the_bot_does_not_handle_gets_an_error_body_not_null(harness: Harness, name: str) -> None:
    activity = harness.client.activity(STAFF, text="") | {"type": "invoke", "name": name, "value": {}}
    status, payload = await post_raw(url_of(harness), json.dumps(activity).encode(), JSON)
    assert status == 501
    assert payload["type"] == "application/vnd.microsoft.error" and payload["value"]["code"] == "NotImplemented"


async def test_signing_keys_that_cannot_be_fetched_give_503_not_401(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Microsoft's OpenID metadata endpoint stood in for by a closed port on 127.0.0.1: an outage
    # there must not turn genuine Teams traffic away as unauthorized, unnoticed
    from bot.config import Settings

    made = Settings.bot_framework_config

    def unreachable_keys(self: Settings) -> object:
        config = made(self)
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = "http://127.0.0.1:1/v1/.well-known/openidconfiguration"
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"  # as by default
        return config

    monkeypatch.setattr(Settings, "bot_framework_config", unreachable_keys)
    settings = make_settings(sqlite_url, app_id=APP_ID, app_password="secret", app_tenant_id=TENANT_ID)
    now = int(time.time())
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "nbf": now - 60, "exp": now + 3600}
    segments = [base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
                for part in ({"alg": "RS256", "kid": "key-1", "typ": "JWT"}, claims)]
    token = "Bearer " + ".".join([*segments, "c2lnbmF0dXJl"])
    async with Harness(settings, [STAFF]) as h:
        activity = h.client.activity(STAFF, text="ヘルプ")
        status, payload = await post_raw(url_of(h), json.dumps(activity).encode(), {**JSON, "Authorization": token})
        assert (status, payload["error"]) == (503, "auth_unavailable")
        assert h.channel.sent == []
    assert any(r.levelname == "ERROR" and "signing keys could not be fetched" in r.getMessage()
               for r in caplog.records)
