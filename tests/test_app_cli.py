"""``python app.py`` sub-commands reach their modules (run as a newcomer would run them)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
                   "MicrosoftAppId": "", **env}
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_migrate_then_enrolment_summary_and_tickets_report(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    summary = run(tmp_path, "enrolment", "summary")
    assert summary.returncode == 0, summary.stderr
    assert "新任所属長DX研修" in summary.stdout
    report = run(tmp_path, "tickets", "report", "--format", "markdown")
    assert report.returncode == 0, report.stderr


def test_package_needs_an_app_id_and_then_writes_the_zip(tmp_path: Path) -> None:
    assert run(tmp_path, "package").returncode == 2
    out = tmp_path / "app.zip"
    app_id = "5f0c2d1e-7a1b-4c2d-9e3f-0a1b2c3d4e5f"
    done = run(tmp_path, "package", "--out", str(out), MicrosoftAppId=app_id,
               MicrosoftAppTenantId="00000000-0000-4000-8000-000000000001")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as z:
        assert app_id in z.read("manifest.json").decode()


def test_tickets_report_accepts_japanese_date_forms_and_refuses_impossible_dates(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    ok = run(tmp_path, "tickets", "report", "--since", "2026/11/01", "--until", "2026年11月30日")
    assert ok.returncode == 0, ok.stderr
    assert "2026-11-01 〜 2026-11-30" in ok.stdout
    bad = run(tmp_path, "tickets", "report", "--since", "2026-13-01")
    assert bad.returncode == 2 and "存在しません" in bad.stderr


def test_tickets_report_writes_a_csv_excel_reads_and_usage_errors_are_in_japanese(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    out = tmp_path / "相談集計.csv"
    done = run(tmp_path, "tickets", "report", "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Japanese Excel reads UTF-8, not Shift_JIS
    assert raw.decode("utf-8-sig").startswith("区分,")
    for args, said in ((("bogus",), "コマンド「bogus」はありません"),
                       (("tickets", "report", "--format", "pdf"), "--format に「pdf」は指定できません"),
                       (("enrolment", "roster", "nh-01", "--format"), "--format のあとに値を指定してください")):
        done = run(tmp_path, *args)
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert "invalid choice" not in done.stderr and "python app.py" in done.stderr


def test_tickets_report_refuses_a_reversed_period_and_a_huge_proposal_number(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    reversed_ = run(tmp_path, "tickets", "report", "--since", "2026-05-01", "--until", "2026-04-01")
    assert reversed_.returncode == 2 and "--since が --until より後の日付です" in reversed_.stderr
    far = run(tmp_path, "tickets", "report", "--until", "9999-12-31")
    assert far.returncode == 2 and "2000〜2099 年の範囲" in far.stderr
    huge = run(tmp_path, "tickets", "proposals", "accept", "99999999999999999999")
    assert huge.returncode == 2 and "提案の番号が読めません" in huge.stderr
    missing = run(tmp_path, "tickets", "proposals", "reject", "5")
    assert missing.returncode == 1 and "提案 5 は見つかりません" in missing.stderr


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    for url in ("postgresql+asyncpg://postgres@127.0.0.1:1/x", "sqlite+aiosqlite:////etc/passwd/x.db"):
        done = run(tmp_path, "migrate", DATABASE_URL=url)
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("エラー: ") and "Traceback" not in done.stderr


def test_chat_with_a_bot_that_is_not_running_says_so_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "app.py", "chat", "--url", "http://127.0.0.1:1"],
                          cwd=ROOT, input="こんにちは\n", capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"})
    assert done.returncode == 1, done.stderr
    assert "接続できません。相手が起動しているか確かめてください" in done.stderr
    assert "Traceback" not in done.stderr


def test_reports_refuse_a_database_file_that_is_not_there(tmp_path: Path) -> None:
    missing = f"sqlite+aiosqlite:///{tmp_path / 'elsewhere' / 'dxbot.sqlite3'}"
    for args in (("enrolment", "summary"), ("tickets", "report")):
        done = run(tmp_path, *args, DATABASE_URL=missing)
        assert done.returncode == 1, done.stderr
        assert "データベースのファイルがありません" in done.stderr
    assert not (tmp_path / "elsewhere").exists()  # nothing was created


def test_a_port_in_use_and_an_app_id_without_its_secret_are_one_line_each(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = run(tmp_path, "serve", HOST="127.0.0.1", PORT=port)
    assert done.returncode == 2
    assert f"PORT={port} で待ち受けできません" in done.stderr and "Traceback" not in done.stderr
    done = run(tmp_path, "serve", MicrosoftAppId="5f0c2d1e-7a1b-4c2d-9e3f-0a1b2c3d4e5f",
               MicrosoftAppType="MultiTenant", MicrosoftAppPassword="")
    assert done.returncode == 2 and done.stderr.startswith("MicrosoftAppPassword:")
