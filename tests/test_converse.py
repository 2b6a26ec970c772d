"""Conversation scripts: the shipped ones pass, and a wrong one fails with a useful message."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.devchannel.converse import ScriptError, load_script, parse_duration, run_script
from tests.conftest import ROOT, make_settings

SCRIPTS = sorted((ROOT / "tests/conversations").glob("*.yaml"))


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
async def test_shipped_script_passes(path: Path, sqlite_url: str) -> None:
    outcome = await run_script(load_script(path), make_settings(sqlite_url), {})
    assert outcome.failures == [], "\n".join(outcome.failures)


WRONG = """
name: わざと間違えた台本
users:
  - {key: staff, name: 山崎 亮}
steps:
  - send: ヘルプ
  - expect: 存在しない文言
  - click: 無いボタン
  - send: ヘルプ
  - expect_not: DXサポートボットです
"""


async def test_a_wrong_script_fails_saying_what_was_expected_and_what_came(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(WRONG, encoding="utf-8")
    outcome = await run_script(load_script(path), make_settings(sqlite_url), {})
    assert len(outcome.failures) == 3
    expect, click, expect_not = outcome.failures
    assert expect.startswith("step 2 (expect, staff)") and "「存在しない文言」" in expect
    assert "DXサポートボットです" in expect  # what actually came
    assert "「無いボタン」" in click and "「研修申込」" in click  # the buttons that were there
    assert expect_not.startswith("step 5 (expect_not, staff)")


PRESSED_EARLIER = """
name: 前のカードのボタン
users:
  - {key: staff, name: 林 和夫, aadObjectId: 07b5857b-bb94-5f1d-82f9-9fefc48e0cc0}
steps:
  - send: 担当者に相談
  - send: 共有フォルダの容量を増やしたい
  - send: ヘルプ
  - click: やめる          # without earlier: only the newest card's (the help's) buttons
  - click: やめる          # on the card before the help: still there to press
    earlier: true
  - expect: 相談の送信をやめました
  - click: 送信する        # that card is closed now: it shows no buttons
    earlier: true
"""


async def test_a_click_finds_the_newest_card_showing_the_button(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "earlier.yaml"
    path.write_text(PRESSED_EARLIER, encoding="utf-8")
    outcome = await run_script(load_script(path), make_settings(sqlite_url), {})
    assert len(outcome.failures) == 2, outcome.failures
    assert outcome.failures[0].startswith("step 4 (click, staff): ボタン「やめる」がありません")
    assert outcome.failures[1].startswith("step 7 (click, staff): ボタン「送信する」がありません")


LEFT_WAITING = """
name: 下書きのまま時間がたち、示し直しに失敗した
start: 2026-11-26 10:00
users:
  - {key: staff, name: 林 和夫, aadObjectId: 07b5857b-bb94-5f1d-82f9-9fefc48e0cc0}
steps:
  - send: 担当者に相談
  - send: 共有フォルダの容量を増やしたい
  - wait_for: 2h
  - send: VPNが遅い
  - expect: [前の手続きは、しばらく操作がなかったため終了しました, VPNが遅い・切れるときは]
  - expect_not: 問題が発生しました
  - send: 在宅勤務の準備
  - expect: 在宅勤務の日に準備しておくこと
  - expect_not: 補足
"""


async def test_an_expired_dialog_whose_follow_up_fails_still_answers_the_message(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dialogs.escalate import EscalateDialog

    async def broken(*args: object) -> bool:
        raise RuntimeError("card could not be built")

    monkeypatch.setattr(EscalateDialog, "expired", broken)
    path = tmp_path / "left.yaml"
    path.write_text(LEFT_WAITING, encoding="utf-8")
    outcome = await run_script(load_script(path), make_settings(sqlite_url), {})
    assert outcome.failures == [], "\n".join(outcome.failures)


def test_cli_exit_codes(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(WRONG, encoding="utf-8")
    ok = subprocess.run([sys.executable, "app.py", "converse", str(SCRIPTS[0])], cwd=ROOT,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 passed, 0 failed" in ok.stdout
    bad = subprocess.run([sys.executable, "app.py", "converse", str(wrong), str(SCRIPTS[0])], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "FAIL" in bad.stdout and "1 passed, 1 failed" in bad.stdout


@pytest.mark.parametrize("text", ["users: []\nsteps: []", "steps: [{bogus: 1}]\nusers: [{key: a}]", "- just a list",
                                  "users: 3\nsteps: [{as: a}]", "users: [{key: a}]\nsteps: [\n"])
def test_malformed_scripts_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScriptError):
        load_script(path)


def test_durations() -> None:
    assert parse_duration("2h").total_seconds() == 7200
    assert parse_duration({"minutes": 30}).total_seconds() == 1800
    assert parse_duration("3日").days == 3
    assert parse_duration("drain") is None
    for wrong in ("soon", "99999999d", "-1h", {"weeks": "x"}):
        with pytest.raises(ScriptError):
            parse_duration(wrong)


def test_a_script_not_saved_as_utf8_is_refused_in_japanese(tmp_path: Path) -> None:
    path = tmp_path / "sjis.yaml"
    path.write_bytes("users: [{key: a, name: 佐藤}]\nsteps: [{as: a}]\n".encode("cp932"))
    with pytest.raises(ScriptError, match="UTF-8 で保存してください"):
        load_script(path)


async def test_a_script_that_adopts_an_faq_proposal_leaves_the_faq_folder_alone(
    tmp_path: Path, sqlite_url: str
) -> None:
    # the folder a running bot serves: an adopted proposal must be written to a copy
    served = tmp_path / "faq"
    shutil.copytree(ROOT / "content/faq", served)
    before = {p.name: p.read_bytes() for p in served.iterdir()}
    script = (ROOT / "tests/conversations/escalation_happy_path.yaml").read_text(encoding="utf-8")
    script = script.replace("users:\n", "users:\n  - key: admin\n    name: 佐藤 花子\n"
                            "    aadObjectId: d1cb8940-7937-5150-b23f-c6407ddb8eb8\n"
                            "    upn: sato.hanako@pref.example.lg.jp\n", 1)
    script += "  - as: admin\n    send: 管理 FAQ提案 採用 1\n  - expect: として追加しました\n"
    path = tmp_path / "adopt.yaml"
    path.write_text(script, encoding="utf-8")
    outcome = await run_script(load_script(path), make_settings(sqlite_url, faq_dir=served), {})
    assert outcome.failures == [], "\n".join(outcome.failures)
    assert {p.name: p.read_bytes() for p in served.iterdir()} == before
