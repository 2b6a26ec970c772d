"""Admin exports: the roster as CSV and XLSX, the per-course summary, and bad input."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.db import create_engine, migrate, session_factory
from bot.enrolment_cli import main
from domain import enrolment as en
from domain.enrolment_reminders import is_business_day, next_nudge, reminder_time
from domain.enrolment_rules import Applicant
from knowledge.catalogue import TOKYO, load_catalogue
from tests.conftest import ROOT, make_settings

COURSES = ROOT / "tests/data/courses_enrol"
WHEN = datetime(2030, 6, 1, 10, 0, tzinfo=TOKYO)


def seed(url: str) -> None:
    """Three people for the capacity-1 session to-small: one enrolled, two waiting."""
    catalogue = load_catalogue(COURSES).catalogue

    async def run() -> None:
        engine = create_engine(url)
        await migrate(engine)
        sessions = session_factory(engine)
        for n, (name, unit) in enumerate([("佐藤 花子", "デジタル改革推進課"),
                                          ("高橋 翔太", "デジタル改革推進課"),
                                          ("山田 彩", "情報政策課")]):
            who = Applicant(f"u{n}", name, f"u{n}@pref.example.lg.jp", "X", unit, "主任")
            await en.in_transaction(sessions, lambda db, who=who, n=n: en.enrol(
                db, catalogue, who, "to-small", WHEN.replace(minute=n)))
        await engine.dispose()

    asyncio.run(run())


@pytest.fixture
def settings(sqlite_url: str):
    seed(sqlite_url)
    return make_settings(sqlite_url, courses_dir=COURSES)


def test_roster_csv(settings, tmp_path: Path) -> None:
    out = tmp_path / "roster.csv"
    assert main(["roster", "to-small", "--format", "csv", "--out", str(out)], settings) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Japanese correctly
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["氏名", "所属", "職位", "UPN", "状態", "申込日時"]
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [
        ("佐藤 花子", "申込済", "2030-06-01 10:00"),
        ("高橋 翔太", "キャンセル待ち（1番目）", "2030-06-01 10:01"),
        ("山田 彩", "キャンセル待ち（2番目）", "2030-06-01 10:02"),
    ]
    assert rows[3][1] == "情報政策課"


def test_roster_xlsx(settings, tmp_path: Path) -> None:
    out = tmp_path / "roster.xlsx"
    assert main(["roster", "TO-SMALL", "--format", "xlsx", "--out", str(out)], settings) == 0
    sheet = load_workbook(out).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "全職員テスト研修" in values[0][0]
    assert values[1] == ["氏名", "所属", "職位", "UPN", "状態", "申込日時"]
    assert [v[0] for v in values[2:]] == ["佐藤 花子", "高橋 翔太", "山田 彩"]


def test_summary_and_unknown_session(settings, tmp_path: Path, capsys) -> None:
    assert main(["summary"], settings) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("t-open"))
    assert line.split()[1:5] == ["1", "0", "2", "36"]  # enrolled, pending, waiting, capacity
    assert main(["roster", "zz-99", "--out", str(tmp_path / "x.csv")], settings) == 1
    assert "zz-99" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
    assert main(["roster"], settings) == 2  # missing arguments


def test_a_broken_catalogue_is_reported_with_its_location(sqlite_url: str, tmp_path: Path,
                                                          capsys) -> None:
    (tmp_path / "courses.yaml").write_text(
        "courses:\n"
        "  - id: c1\n    title: 壊れた研修\n    category: 職場内DX研修\n    sessions:\n"
        "      - {id: s1, start: 2030-06-10 13:30, end: 2030-06-10 12:00, venue: 会議室, capacity: -3}\n",
        encoding="utf-8",
    )
    settings = make_settings(sqlite_url, courses_dir=tmp_path)
    assert main(["summary"], settings) == 2
    err = capsys.readouterr().err
    assert "courses.yaml:6" in err and "終了日時が開始日時より前" in err and "定員" in err


def test_reminder_and_nudge_times() -> None:
    monday = datetime(2030, 6, 10, 13, 30, tzinfo=TOKYO)
    assert reminder_time(monday, 17) == datetime(2030, 6, 7, 17, 0, tzinfo=TOKYO)
    assert reminder_time(monday, 17, business_days=False) == datetime(2030, 6, 9, 17, 0, tzinfo=TOKYO)
    # the day after a public holiday (2030-05-06 is a substitute holiday) skips it
    assert not is_business_day(datetime(2030, 5, 6).date())
    assert reminder_time(datetime(2030, 5, 7, 9, 0, tzinfo=TOKYO), 17).date().isoformat() == "2030-05-02"
    assert next_nudge(datetime(2030, 12, 15, tzinfo=TOKYO), 1, 9) == datetime(2031, 1, 1, 9, tzinfo=TOKYO)
    assert next_nudge(datetime(2030, 6, 1, 8, tzinfo=TOKYO), 1, 9) == datetime(2030, 6, 1, 9, tzinfo=TOKYO)


def test_roster_by_course_name_and_on_screen(settings, tmp_path: Path, capsys) -> None:
    assert main(["roster", "全職員テスト研修"], settings) == 1  # three sessions: which one?
    err = capsys.readouterr().err
    assert err.startswith("「全職員テスト研修」の名簿は日程ごとです。次のどれかの日程IDを指定してください: to-small（")
    assert "to-last（" in err and "to-late（" in err
    assert main(["roster", "主査級テスト研修"], settings) == 0  # its one session, shown as CSV
    shown = capsys.readouterr().out
    assert shown.startswith("氏名,所属,職位,UPN,状態,申込日時\n")  # no BOM on a screen
    assert main(["roster", "to-small"], settings) == 0
    assert "佐藤 花子" in capsys.readouterr().out
    assert main(["roster", "to-small", "--format", "xlsx"], settings) == 2  # a workbook needs a file
    assert "XLSX は --out FILE.xlsx に書き出します" in capsys.readouterr().err


def test_usage_errors_are_in_japanese(settings, capsys) -> None:
    assert main(["roster"], settings) == 2
    err = capsys.readouterr().err
    assert "エラー: 次の指定が必要です: SESSION_ID" in err and "python app.py enrolment roster --help" in err
    assert main(["rosters"], settings) == 2
    assert "コマンド「rosters」はありません (使えるもの: 'roster', 'summary')" in capsys.readouterr().err
