"""``python -m knowledge``: every command in-process via ``main(argv)``, a few as subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text
from sqlalchemy.ext.asyncio import create_async_engine

from knowledge.cli import _period, main, report_rows
from knowledge.faq import load_faq
from knowledge.querylog import QueryLogError, read_query_log

ROOT = Path(__file__).resolve().parent.parent
FORMATS = Path(__file__).parent / "data" / "faq_formats"

metadata = MetaData()
faq_query = Table(
    "faq_query",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("unit_code", Text),
    Column("query", Text, nullable=False),
    Column("normalized", Text, nullable=False),
    Column("candidates", Text, nullable=False),
    Column("band", Text, nullable=False),
    Column("chosen_id", Text),
    Column("feedback", Text),
)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def log_row(day: int, query: str, band: str, candidates: list, **extra: object) -> dict:
    from knowledge.normalize import normalize

    row = {
        "created_at": datetime(2026, 11, day, 3, 0),
        "user_id": "u1",
        "unit_code": None,
        "query": query,
        "normalized": normalize(query),
        "candidates": json.dumps(candidates),
        "band": band,
        "chosen_id": None,
        "feedback": None,
    }
    row.update(extra)
    return row


async def make_log(path: Path | str, rows: list[dict]) -> str:
    """Create ``faq_query`` (as the bot's table stores it) in a SQLite file or a database URL."""
    url = path if isinstance(path, str) else f"sqlite+aiosqlite:///{path}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        if rows:
            await conn.execute(faq_query.insert(), rows)
    await engine.dispose()
    return url


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(FORMATS, target)
    return target


LOG_ROWS = [
    log_row(1, "VPNに接続するには", "answer", [["vpn-connect", 0.9]], chosen_id="vpn-connect"),
    log_row(2, "駐車場の申請をしたい", "none", []),
    log_row(3, "駐車場を申請したい", "none", [], user_id="u2"),
    log_row(3, "駐車場を申請したい", "none", [], user_id="u3"),
    log_row(4, "プリンターで印刷できない", "clarify", [["csv-printer", 0.5], ["csv-password", 0.3]],
            feedback="unsolved"),
    log_row(5, "給与明細はどこ", "none", []),
    log_row(20, "期間外の質問", "none", []),
]


# ---------------------------------------------------------------- query log


async def test_read_query_log_filters_the_period(database_url: str) -> None:
    url = await make_log(database_url, LOG_ROWS)
    rows = await read_query_log(url, datetime(2026, 11, 2, 3, 0), datetime(2026, 11, 4, 3, 0))
    assert [r.query for r in rows] == ["駐車場の申請をしたい", "駐車場を申請したい", "駐車場を申請したい"]
    rows = await read_query_log(url, datetime(2026, 11, 1), datetime(2026, 11, 30))
    assert len(rows) == 7
    first, printer = rows[0], rows[4]
    assert first.candidates == (("vpn-connect", 0.9),)
    assert first.created_at == datetime(2026, 11, 1, 3, 0)
    assert first.chosen_id == "vpn-connect" and first.unit_code is None
    assert printer.top_id == "csv-printer" and printer.feedback == "unsolved"


async def test_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite3"
    with pytest.raises(QueryLogError):
        await read_query_log(f"sqlite+aiosqlite:///{path}", datetime(2026, 1, 1), datetime(2027, 1, 1))
    assert not path.exists()


# ---------------------------------------------------------------- validate


def test_validate_ok(faq_dir: Path) -> None:
    code, out = run("validate", "--faq", str(faq_dir))
    assert code == 0
    assert "FAQ 8 件、同義語グループ 3 件: エラー 0 件、警告 0 件" in out


def test_validate_reports_errors_and_warnings_with_locations(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        "id,question,answer,follow_ups\n"
        "a,Teamsの会議を予約したい,回答,nothing\n"
        "b,Ｔｅａｍｓの会議を予約したい,回答,\n",
        encoding="utf-8",
    )
    code, out = run("validate", "--faq", str(tmp_path))
    assert code == 1
    lines = out.splitlines()
    assert "エラー: a.csv:2: 関連FAQ「nothing」という ID はありません" in lines
    assert any(ln.startswith("警告: a.csv:3: 「Ｔｅａｍｓの会議を予約したい」(b)") for ln in lines)
    assert lines[-1].endswith("エラー 1 件、警告 1 件")



def test_validate_fails_a_faq_the_running_bot_would_refuse_for_having_no_entry(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,question,answer,有効\na,質問,回答,いいえ\n", encoding="utf-8")
    code, out = run("validate", "--faq", str(tmp_path))
    assert code == 1  # every entry disabled: the bot keeps its last good FAQ
    assert out.startswith(f"エラー: {tmp_path.name}: 有効な FAQ が 1 件もありません。動いているボットはこの変更を")
    (tmp_path / "a.csv").write_text("id,question,answer\n", encoding="utf-8")
    code, out = run("validate", "--faq", str(tmp_path))
    assert code == 1 and "警告: a.csv: FAQ が 1 件もありません" in out
    code, out = run("check", "--faq", str(tmp_path), "--org", str(ROOT / "content" / "org"),
                    "--courses", str(ROOT / "content" / "courses"), "--intents", str(tmp_path / "a.csv"))
    assert code == 1
    assert "  エラー: a.csv: 有効な言い回しが 1 件もありません" in out  # the phrase file too

def test_validate_uses_faq_dir_from_environment(
    faq_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (faq_dir / "bom.csv").unlink()
    monkeypatch.setenv("FAQ_DIR", str(faq_dir))
    code, out = run("validate")
    assert code == 1
    assert "エラー: basic.yaml:18: 関連FAQ「bom-udemy」という ID はありません" in out


# ---------------------------------------------------------------- import / export


def test_import_csv_writes_readable_canonical_yaml(faq_dir: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "out" / "bom.yaml"
    code, out = run("import", str(faq_dir / "bom.csv"), "--out", str(out_file))
    assert code == 0, out
    text = out_file.read_text(encoding="utf-8")
    assert "question: Udemy Businessで講座を受けたい" in text  # not \\u-escaped
    assert "  answer: |\n      研修ポータルから利用申請をしてください。\n      承認後にログインできます。\n" in text
    assert "    follow_ups: [bom-promoter]\n" in text
    assert yaml.safe_load(text)["entries"][0]["links"][1] == {
        "title": "研修ポータル", "url": "https://portal.example.lg.jp/kenshu"
    }
    assert load_faq(out_file).entries == load_faq(faq_dir / "bom.csv").entries


def test_import_refuses_a_broken_sheet(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("ID,質問,回答\na,質問,\n", encoding="utf-8")
    code, out = run("import", str(src), "--out", str(tmp_path / "bad.yaml"))
    assert code == 1
    assert "エラー: bad.csv:2: 必須項目 回答 が空です" in out
    assert not (tmp_path / "bad.yaml").exists()


def test_import_does_not_overwrite_a_faq_with_an_empty_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, dest = tmp_path / "empty.csv", tmp_path / "faq.yaml"
    src.write_text("ID,質問,回答\n", encoding="utf-8")
    dest.write_text("entries: []  # the admin's FAQ, kept\n", encoding="utf-8")
    code, _ = run("import", str(src), "--out", str(dest), "--force")
    assert code == 1 and "FAQ が 1 件もないため" in capsys.readouterr().err
    assert dest.read_text(encoding="utf-8") == "entries: []  # the admin's FAQ, kept\n"


def test_export_import_round_trip(faq_dir: Path, tmp_path: Path) -> None:
    original = load_faq(faq_dir).entries
    xlsx = tmp_path / "all.xlsx"
    code, out = run("export", "--faq", str(faq_dir), "--out", str(xlsx))
    assert code == 0, out
    sheet = load_workbook(xlsx).worksheets[0]
    assert sheet.title == "FAQ"
    assert [c.value for c in sheet[1]] == [
        "ID", "質問", "言い換え", "回答", "カテゴリ", "タグ", "リンク", "関連FAQ", "有効"
    ]
    assert sheet.max_row == len(original) + 1

    yaml_file = tmp_path / "faq.yaml"
    code, out = run("import", str(xlsx), "--out", str(yaml_file))
    assert code == 0, out
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(yaml_file, again / "faq.yaml")
    assert load_faq(again).entries == original
    disabled = [e.id for e in load_faq(again).entries if not e.enabled]
    assert disabled == ["sjis-old"]


# ---------------------------------------------------------------- ask / eval


def test_ask_shows_ranked_candidates(faq_dir: Path) -> None:
    code, out = run("ask", "VPNにつなぎたい", "--faq", str(faq_dir))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "質問: VPNにつなぎたい"
    assert any(ln.startswith("判定: ") for ln in lines)
    first = next(ln for ln in lines if ln.startswith("1. "))
    assert "vpn-connect" in first


def test_ask_judges_with_the_bots_thresholds(
    faq_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("ask", "VPNにつなぎたい", "--faq", str(faq_dir))
    assert "判定: 回答 (answer)" in out and "基準: 回答は 0.7 以上で 2 位との差が 0.35 以上、候補の提示は 0.2 以上" in out
    monkeypatch.setenv("FAQ_ANSWER_THRESHOLD", "0.999")  # as the bot is configured
    code, out = run("ask", "VPNにつなぎたい", "--faq", str(faq_dir))
    assert code == 0 and "判定: 確認 (候補を提示) (clarify)" in out and "回答は 0.999 以上" in out
    code, out = run("ask", "VPNにつなぎたい", "--faq", str(faq_dir), "--answer-threshold", "0.5")
    assert "判定: 回答 (answer)" in out  # an admin may try another value
    code, out = run("ask", "VPN", "--faq", str(faq_dir), "--clarify-threshold", "0.7", "--answer-threshold", "0.6")
    assert code == 2 and not out  # above the answer threshold: the bot would refuse to start
    assert capsys.readouterr().err.startswith("エラー: 候補の提示の基準 (0.7) は回答の基準 (0.6) 以下にしてください")
    assert run("ask", "VPN", "--faq", str(faq_dir), "--clarify-threshold", "2")[0] == 2
    assert "--clarify-threshold: 0 から 1 の数で指定してください (「2」)" in capsys.readouterr().err
    monkeypatch.setenv("FAQ_ANSWER_THRESHOLD", "3")  # the bot would refuse it: the default is used
    monkeypatch.setenv("FAQ_DIR", str(faq_dir))  # ... and only for it: the folders stay the bot's
    code, out = run("ask", "VPNにつなぎたい")
    assert code == 0 and "回答は 0.7 以上" in out and "1. " in out
    assert "警告: 設定 FAQ_ANSWER_THRESHOLD「3」を読めないので、既定の値を使います" in capsys.readouterr().err
    code, out = run("validate")
    assert code == 0 and f"ファイル {len(list(faq_dir.iterdir()))} 件" in out
    capsys.readouterr()
    monkeypatch.setenv("FAQ_ANSWER_THRESHOLD", "")  # left empty: the default, quietly
    assert "回答は 0.7 以上" in run("ask", "VPN")[1] and not capsys.readouterr().err
    monkeypatch.setenv("FAQ_DIR", "")  # the shipped FAQ, as the bot reads it: not the current folder
    monkeypatch.chdir(tmp_path)
    code, out = run("validate")
    assert code == 0 and "エラー 0 件" in out


def test_ask_on_the_phrase_file_judges_as_the_bot_does_for_its_features(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    phrases = ROOT / "content" / "intents.yaml"
    monkeypatch.setenv("FAQ_ANSWER_THRESHOLD", "0.999")  # the FAQ's: the bot's phrases ignore it
    code, out = run("ask", "研修に申し込みたい", "--faq", str(phrases))  # INTENTS_FILE's default
    assert code == 0 and "機能を呼び出す言い回し ($INTENTS_FILE) なので、その基準 (回答 0.85、次の候補との差 0.03)" in out
    assert "基準: 回答は 0.85 以上で 2 位との差が 0.03 以上" in out and "判定: 回答 (answer)" in out
    code, out = run("ask", "研修に申し込みたい", "--faq", str(phrases), "--answer-threshold", "0.99")
    assert "回答は 0.99 以上で 2 位との差が 0.03 以上" in out  # an admin may still try a value
    code, out = run("ask", "研修", "--faq", str(phrases), "--answer-threshold", "0.1")
    assert code == 2 and not out  # and is told of the flags only: the variables are the FAQ's
    assert capsys.readouterr().err.rstrip().endswith("(--clarify-threshold・--answer-threshold)")
    folder = tmp_path / "phrases"  # the bot may read its phrases from a folder
    folder.mkdir()
    (folder / "intents.yaml").write_bytes(phrases.read_bytes())
    monkeypatch.setenv("INTENTS_FILE", str(folder))
    code, out = run("ask", "研修に申し込みたい", "--faq", str(folder))
    assert "基準: 回答は 0.85 以上で 2 位との差が 0.03 以上" in out
    code, out = run("ask", "研修に申し込みたい", "--faq", str(phrases))  # not what the bot reads now
    assert "機能を呼び出す言い回し" not in out and "回答は 0.999 以上で 2 位との差が 0.35 以上" in out


def test_ask_help_gives_the_default_thresholds(capsys: pytest.CaptureFixture[str]) -> None:
    from knowledge.match_settings import INTENT_MATCHING, MatchSettings

    assert main(["ask", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    default = MatchSettings()
    assert f"$FAQ_ANSWER_THRESHOLD または {default.answer_threshold}。" in shown
    assert f"言い回しのファイルでは {INTENT_MATCHING.answer_threshold}" in shown
    assert f"$FAQ_CLARIFY_THRESHOLD または {default.clarify_threshold})" in shown


def test_ask_with_no_usable_entry(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text("id,question,answer\na,,\n", encoding="utf-8")
    code, out = run("ask", "質問", "--faq", str(tmp_path))
    assert code == 1
    assert "faq.csv:2: 必須項目 質問・回答 が空です" in out
    assert out.rstrip().endswith("FAQ に使える項目がありません。")


def test_ask_and_eval_use_the_entries_that_read_and_say_what_was_left_out(
    tmp_path: Path,
) -> None:
    # Someone else's FAQ with a few broken rows is still measured; the bot itself would keep
    # its last good version instead.
    (tmp_path / "faq.csv").write_text(
        "id,question,answer\n"
        "vpn,VPNに接続できない,VPN アプリを再起動してください。\n"
        "blank,印刷できない,\n"
        "vpn,VPNが遅い,回線を確認してください。\n"
        "pw,パスワードを忘れた,ヘルプデスクでリセットします。\n",
        encoding="utf-8",
    )
    cases = tmp_path / "cases.csv"
    cases.write_text("query,expected_id\nvpnつながらない,vpn\nパスワード忘れた,pw\n", encoding="utf-8")
    code, out = run("ask", "パスワード忘れた", "--faq", str(tmp_path / "faq.csv"))
    assert code == 0
    assert "警告: faq.csv:3: 必須項目 回答 が空です" in out
    assert "警告: faq.csv:4: ID「vpn」が重複しています" in out
    assert "FAQ にエラーが 2 件あります (ボットはこのままでは読み込みません)。読めた 2 件で続けます。" in out
    assert "pw" in next(ln for ln in out.splitlines() if ln.startswith("1. "))

    proc = subprocess.run(
        [sys.executable, "-m", "knowledge", "eval", "--faq", str(tmp_path), "--cases",
         str(cases), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["top1"] == 1.0
    assert "読めた 2 件で続けます" in proc.stderr


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    path = tmp_path / "cases.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["query", "expected_id"])
        writer.writerow(["VPNに接続したい", "vpn-connect"])
        writer.writerow(["プリンターで印刷できません", "csv-printer"])
        writer.writerow(["今日の天気は", ""])
    return path


def test_eval_json_prints_exactly_one_object(faq_dir: Path, cases: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "knowledge", "eval", "--faq", str(faq_dir), "--cases", str(cases),
         "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"top1", "recall3", "answer_precision", "oos_rejection", "p50_ms", "p99_ms"} <= set(data)
    assert data["cases"] == 3
    assert 0.0 <= data["top1"] <= 1.0


def test_eval_on_a_single_file_prints_a_table(faq_dir: Path, cases: Path) -> None:
    code, out = run("eval", "--faq", str(faq_dir / "utf8.csv"), "--cases", str(cases))
    assert code == 0
    assert "top-1" in out and "recall@3" in out
    assert "件数 cases           3 (範囲内 2 / 範囲外 1)" in out


def test_eval_missing_cases_file(faq_dir: Path, tmp_path: Path) -> None:
    code, out = run("eval", "--faq", str(faq_dir), "--cases", str(tmp_path / "none.csv"))
    assert code == 1
    assert out == f"エラー: {tmp_path / 'none.csv'}: ファイルまたはフォルダがありません\n"


def test_eval_lists_the_cases_it_got_wrong_with_their_rows(faq_dir: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("query,expected_id\nVPNに接続したい,vpn-connect\nVPNに接続したい,csv-printer\n"
                     "VPNに接続したい,\n", encoding="utf-8")
    code, out = run("eval", "--faq", str(faq_dir), "--cases", str(cases))
    assert code == 0 and "外れた質問 2 件" in out
    assert "cases.csv:3  「VPNに接続したい」 正解 csv-printer → 1 位 vpn-connect (回答)" in out
    assert "cases.csv:4  「VPNに接続したい」 正解 範囲外 → 1 位 vpn-connect (回答)" in out
    cases.write_text("query,expected_id\nVPNに接続したい,vpn-connect\n", encoding="utf-8")
    code, out = run("eval", "--faq", str(faq_dir), "--cases", str(cases))
    assert "範囲外の棄却率         - (対象の質問なし)" in out and "外れた質問" not in out  # none to reject


# ---------------------------------------------------------------- lint / report


async def test_lint_finds_near_duplicates_and_unreached_entries(
    faq_dir: Path, tmp_path: Path
) -> None:
    (faq_dir / "dup.csv").write_text(
        "id,question,answer\ndup-vpn,VPNに接続するにはどうすればいいですか,回答\n", encoding="utf-8"
    )
    url = await make_log(tmp_path / "log.sqlite3", [
        {**row, "created_at": datetime.now().replace(microsecond=0)} for row in LOG_ROWS
    ])
    code, out = await run_in_thread("lint", "--faq", str(faq_dir), "--db", url, "--days", "30")
    assert code == 1
    assert "## 似すぎている FAQ (1 組)" in out
    assert "(dup-vpn) と 「VPNに接続するにはどうすればいいですか？」(vpn-connect, basic.yaml:3)" in out
    unreached = [ln for ln in out.splitlines() if ln.startswith("- ") and "「" in ln[:40]]
    ids = {ln[2:].split("「")[0] for ln in unreached if "回も" not in ln}
    # reached: vpn-connect (chosen), csv-printer and csv-password (clarify candidates)
    assert {"teams-meeting", "bom-udemy", "bom-promoter", "sjis-kaisou", "dup-vpn"} <= ids
    assert not ids & {"vpn-connect", "csv-printer", "csv-password", "sjis-old"}


async def run_in_thread(*argv: str) -> tuple[int, str]:
    """The CLI runs its own event loop (asyncio.run), so call it off this test's loop."""
    import asyncio

    return await asyncio.to_thread(run, *argv)


def test_lint_without_a_log_database(faq_dir: Path, tmp_path: Path) -> None:
    code, out = run("lint", "--faq", str(faq_dir), "--db", f"sqlite+aiosqlite:///{tmp_path}/x.db")
    assert code == 0  # the FAQ itself is clean; the missing log is reported, not a failure
    assert "## 似すぎている FAQ (0 組)" in out
    assert "クエリログを読めません: データベースのファイルがありません" in out
    assert not (tmp_path / "x.db").exists()


def test_report_on_a_database_that_is_not_the_bots_or_a_bare_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "other.sqlite3").write_bytes(b"")  # an empty file: a database with no tables
    assert run("report", "--db", f"sqlite+aiosqlite:///{tmp_path}/other.sqlite3")[0] == 1
    err = capsys.readouterr().err
    assert "このデータベースにはクエリログの表がありません" in err and "SELECT" not in err
    assert run("report", "--db", str(tmp_path / "other.sqlite3"))[0] == 1
    err = capsys.readouterr().err
    assert "データベースの URL が読めません" in err and "ArgumentError" not in err


async def test_lint_with_an_empty_log(faq_dir: Path, tmp_path: Path) -> None:
    url = await make_log(tmp_path / "log.sqlite3", [])
    code, out = await run_in_thread("lint", "--faq", str(faq_dir), "--db", url)
    assert code == 0
    assert "## 直近 90 日のクエリログがないため、使われていない FAQ は調べていません" in out


async def test_report_groups_unanswered_and_unsolved_questions(tmp_path: Path) -> None:
    url = await make_log(tmp_path / "log.sqlite3", LOG_ROWS)
    code, out = await run_in_thread(
        "report", "--db", url, "--since", "2026-11-01", "--until", "2026-11-10", "--format", "csv"
    )
    assert code == 0
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["件数", "回答なし", "解決せず", "利用者数", "代表的な質問", "ほかの例", "出た候補"]
    assert table[1] == ["3", "3", "0", "3", "駐車場を申請したい", "駐車場の申請をしたい", ""]
    rest = {row[4]: row for row in table[2:]}
    assert set(rest) == {"プリンターで印刷できない", "給与明細はどこ"}
    assert rest["プリンターで印刷できない"][1:4] == ["1", "1", "1"]  # 「どれでもない」: unanswered and unsolved
    assert rest["プリンターで印刷できない"][6] == "csv-printer (1)"

    code, out = await run_in_thread(
        "report", "--db", url, "--since", "2026-11-01", "--until", "2026-11-10"
    )
    assert code == 0
    assert out.startswith("# 答えられなかった・解決しなかった質問 (2026-11-01 〜 2026-11-10、全 6 件中)")
    assert "| 3 | 3 | 0 | 3 | 駐車場を申請したい | 駐車場の申請をしたい |  |" in out


async def test_report_to_a_bom_csv_file(tmp_path: Path) -> None:
    url = await make_log(tmp_path / "log.sqlite3", LOG_ROWS)
    target = tmp_path / "report.csv"
    code, out = await run_in_thread(
        "report", "--db", url, "--since", "2026-11-01", "--until", "2026-11-30",
        "--format", "csv", "--out", str(target),
    )
    assert code == 0
    assert out == f"4 グループを {target} に書き出しました\n"
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


def test_report_without_a_database_fails(tmp_path: Path) -> None:
    code, out = run("report", "--db", f"sqlite+aiosqlite:///{tmp_path}/x.db")
    assert code == 1
    assert out == ""


def test_report_rows_and_period() -> None:
    from types import SimpleNamespace

    assert report_rows([]) == []
    passed_over = SimpleNamespace(query="年休の残り", normalized="", band="clarify", chosen_id=None,
                                  top_id="leave", feedback=None, user_id="u1")
    chosen = SimpleNamespace(**{**vars(passed_over), "query": "印刷", "chosen_id": "printer"})
    assert [row[:5] for row in report_rows([passed_over, chosen])] == [["1", "1", "0", "1", "年休の残り"]]
    pasted = SimpleNamespace(**{**vars(passed_over), "query": "ログ" * 5000, "band": "none"})
    assert report_rows([pasted])[0][4] == "ログ" * 50 + "…"  # a paste is cut
    start, end = _period(datetime(2026, 11, 1).date(), datetime(2026, 11, 1).date())
    # one JST day is 15:00 UTC the day before to 15:00 UTC that day
    assert (start, end) == (datetime(2026, 10, 31, 15), datetime(2026, 11, 1, 15))


# ---------------------------------------------------------------- usage


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run()[0] == 2
    assert run("nothing")[0] == 2
    assert run("import", "x.csv")[0] == 2  # --out is required
    assert run("report", "--since", "11/01")[0] == 2
    assert "日付「11/01」が読めません (例: 2026-11-01、2026/11/01)" in capsys.readouterr().err


def test_module_help_in_japanese() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "knowledge", "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0
    assert "FAQ を管理するコマンド" in proc.stdout
    for command in ("validate", "import", "export", "ask", "eval", "lint", "report"):
        assert command in proc.stdout


def test_eval_without_cases_or_with_unknown_ids_says_so(faq_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("query,expected_id\n", encoding="utf-8")
    code, out = run("eval", "--faq", str(faq_dir), "--cases", str(empty))
    assert (code, out.strip()) == (1, f"エラー: {empty}: 評価する質問が 1 件もありません")
    typo = tmp_path / "typo.csv"
    typo.write_text("query,expected_id\nVPNに接続したい,vpn-conect\n", encoding="utf-8")
    code, out = run("eval", "--faq", str(faq_dir), "--cases", str(typo))
    assert code == 0
    assert "警告: FAQ にない expected_id が 1 種類あります (vpn-conect)" in out


def test_export_to_a_folder_or_with_control_characters(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text(
        "- id: a\n  question: \"VPN\\vにつながらない\"\n  answer: 再起動\n", encoding="utf-8"
    )
    (tmp_path / "out.xlsx").mkdir()
    code, out = run("export", "--faq", str(tmp_path / "faq.yaml"), "--out", str(tmp_path / "out.xlsx"))
    assert (code, out) == (1, f"エラー: {tmp_path / 'out.xlsx'}: フォルダです (ファイル名を指定してください)\n")
    code, _ = run("export", "--faq", str(tmp_path / "faq.yaml"), "--out", str(tmp_path / "o.xlsx"))
    assert code == 0
    assert load_workbook(tmp_path / "o.xlsx")["FAQ"]["B2"].value == "VPNにつながらない"


def test_report_refuses_far_or_reversed_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/x.db"
    assert run("report", "--since", "0001-01-01", "--db", db)[0] == 2
    assert "2000〜2099 年の範囲" in capsys.readouterr().err
    code, out = run("report", "--since", "2026-05-01", "--until", "2026-04-01", "--db", db)
    assert (code, out.strip()) == (2, "エラー: --since が --until より後の日付です")


def test_output_piped_into_a_reader_that_stops_early_ends_quietly() -> None:
    import subprocess
    import sys

    script = (
        "import argparse, sys\n"
        "import knowledge.cli as cli\n"
        "many = argparse.Namespace(func=lambda a, out: [print('x' * 100, file=out) for _ in range(100000)] and 0)\n"
        "cli.build_parser = lambda: type('P', (), {'parse_args': lambda self, argv: many})()\n"
        "sys.exit(cli.main([]))\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(100)
        proc.stdout.close()  # like `| head`
        err = proc.stderr.read().decode()
    assert proc.returncode == 0 and "Traceback" not in err


def test_usage_errors_are_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("valdate")[0] == 2
    assert "エラー: コマンド「valdate」はありません (使えるもの: 'validate'," in capsys.readouterr().err
    assert run("ask", "VPN", "--limit", "三十")[0] == 2
    assert "エラー: --limit: 1 以上の数字で指定してください (「三十」は読めません)" in capsys.readouterr().err
    assert run("ask", "VPN", "--limit", "0")[0] == 2
    assert "エラー: --limit: 1 以上の数字で指定してください (「0」)" in capsys.readouterr().err
    assert run("import", "faq.csv")[0] == 2
    assert "エラー: 次の指定が必要です: --out" in capsys.readouterr().err


def test_import_and_export_refuse_what_would_damage_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "faq.yaml"
    source.write_text("- id: a\n  question: VPN  # 回線\n  answer: 再起動\n", encoding="utf-8")
    assert run("import", str(source), "--out", str(source))[0] == 1  # comments would be lost
    assert "書き出し先が読み込んだファイルと同じです" in capsys.readouterr().err
    assert "# 回線" in source.read_text(encoding="utf-8")
    assert run("export", "--faq", str(source), "--out", str(tmp_path / "faq.csv"))[0] == 2
    assert "書き出せるのは Excel ブック (.xlsx) です" in capsys.readouterr().err
    assert not (tmp_path / "faq.csv").exists()
    code, out = run("import", str(source), "--out", str(tmp_path / "copy.yaml"))
    assert code == 0 and "注意: faq.yaml と同じフォルダに書き出しました" in out


def test_import_overwrites_a_file_only_when_told_and_writes_only_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, faq = tmp_path / "new.csv", tmp_path / "faq"
    source.write_text("ID,質問,回答\nnew,新しい質問,新しい回答\n", encoding="utf-8")
    faq.mkdir()
    kept = faq / "devices.yaml"
    kept.write_text("entries:\n  - {id: pc, question: PCが重い, answer: 再起動}\n", encoding="utf-8")
    assert run("import", str(source), "--out", str(kept))[0] == 1  # an admin's file, 8 entries say
    assert capsys.readouterr().err.startswith(f"エラー: {kept} はすでにあります。上書きしてよければ --force")
    assert "PCが重い" in kept.read_text(encoding="utf-8")
    assert run("import", str(tmp_path / "missing.csv"), "--out", str(kept))[0] == 1  # the real problem first
    assert capsys.readouterr().err == f"エラー: {tmp_path / 'missing.csv'}: ファイルまたはフォルダがありません\n"
    assert run("import", str(source), "--out", str(tmp_path / "faq.xlsx"))[0] == 2  # YAML text in an .xlsx
    assert "書き出せるのは YAML (.yaml) です" in capsys.readouterr().err and not (tmp_path / "faq.xlsx").exists()
    monkeypatch.setenv("FAQ_DIR", str(faq))
    code, out = run("import", str(source), "--out", str(faq / "all.yaml"))
    assert code == 0 and "注意: ボットが読む FAQ フォルダ ($FAQ_DIR) に書き出しました" in out
    code, out = run("import", str(source), "--out", str(kept), "--force")
    assert code == 0 and "新しい質問" in kept.read_text(encoding="utf-8")


def test_export_reads_back_and_never_damages_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    faq, out = tmp_path / "faq", tmp_path / "out"
    faq.mkdir()
    (faq / "faq.yaml").write_text(
        "- id: a\n  question: 手引きはどこ\n  answer: ポータルにあります\n"
        "  links: [https://portal.example.lg.jp/a, {title: 様式, url: 'https://portal.example.lg.jp/b'}]\n",
        encoding="utf-8",
    )
    book = out / "faq.xlsx"
    assert run("export", "--faq", str(faq), "--out", str(book))[0] == 0
    assert load_workbook(book)["FAQ"]["G2"].value == "https://portal.example.lg.jp/a\n様式 https://portal.example.lg.jp/b"
    read_back = load_faq(book)  # a bare URL was written as「URL URL」, which is an error
    assert not read_back.errors and read_back.entries == load_faq(faq).entries

    book.write_bytes(b"the admin's edited workbook")
    assert run("export", "--faq", str(faq), "--out", str(book))[0] == 1
    assert f"エラー: {book} はすでにあります。上書きしてよければ --force" in capsys.readouterr().err
    assert book.read_bytes() == b"the admin's edited workbook"
    assert run("export", "--faq", str(faq), "--out", str(book), "--force")[0] == 0
    assert load_faq(book).entries == load_faq(faq).entries

    # into the folder the bot reads: every id twice, and the bot would take no FAQ edit
    assert run("export", "--faq", str(faq), "--out", str(faq / "all.xlsx"))[0] == 1
    assert "は FAQ のフォルダです。ここに書き出すと同じ ID が 2 つずつ" in capsys.readouterr().err
    monkeypatch.setenv("FAQ_DIR", str(out))
    assert run("export", "--faq", str(faq), "--out", str(out / "all.xlsx"))[0] == 1
    assert not (faq / "all.xlsx").exists() and not (out / "all.xlsx").exists()
    assert run("export", "--faq", str(faq / "faq.yaml"), "--out", str(tmp_path / "beside.xlsx"))[0] == 0


def test_export_warns_of_text_longer_than_excel_keeps(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text(
        f"- id: long\n  question: 規程の全文\n  answer: {'あ' * 40_000}\n", encoding="utf-8"
    )
    code, out = run("export", "--faq", str(tmp_path), "--out", str(tmp_path / "out" / "o.xlsx"))
    assert code == 0
    assert "警告: Excel のセルの上限 (32,767 文字) より長い FAQ があります (long)" in out
    assert "「|」か改行" not in out


def test_export_warns_of_values_that_would_split_when_read_back(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text(
        "- id: a\n  question: 質問A\n  alternates: [A|B の違い]\n  answer: 回答\n"
        "- id: b\n  question: 質問B\n  tags: [研修、申込]\n  answer: 回答\n"  # two tags already
        "- id: c\n  question: 質問C\n  tags: [1,000円]\n  alternates: [ふつう]\n  answer: 回答\n"
        "- id: d\n  question: 質問D\n  tags: [Excel|表計算]\n  answer: 回答\n"
        "- id: e\n  question: 質問E\n  alternates: [\"一行目\\n二行目\"]\n  answer: 回答\n",
        encoding="utf-8",
    )
    code, out = run("export", "--faq", str(tmp_path), "--out", str(tmp_path / "out" / "o.xlsx"))
    assert code == 0
    assert "警告: 言い換えかタグに「|」か改行を含む FAQ があります (a、d、e)。" in out


def test_a_file_that_is_not_a_database_is_named_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "log.db").write_text("not a database", encoding="utf-8")
    assert run("report", "--db", f"sqlite+aiosqlite:///{tmp_path}/log.db")[0] == 1
    err = capsys.readouterr().err
    assert "クエリログを読めません: file is not a database (--db か環境変数 DATABASE_URL を確かめてください)" in err
    assert "SELECT" not in err


def test_check_reads_every_data_set_as_the_bot_does(tmp_path: Path) -> None:
    org = tmp_path / "org"
    shutil.copytree(ROOT / "tests" / "data" / "org" / "csv", org)
    staff = (org / "staff.csv").read_text(encoding="utf-8-sig")
    (org / "staff.csv").write_text(staff.replace(",A-02,主査", ",Z-99,主査"), encoding="utf-8")
    code, out = run("check", "--faq", str(FORMATS), "--org", str(org),
                    "--courses", str(ROOT / "content" / "courses"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"■ FAQ ({FORMATS}): FAQ 8 件、同義語グループ 3 件、エラー 0 件、警告 0 件"
    assert f"■ 組織 ({org}): 所属 3 件、職員 5 人、エラー 1 件" in out
    assert "  エラー: staff.csv:5: 所属コード Z-99 は所属一覧にありません" in lines
    assert any(line.startswith("■ 研修 (") and "エラー 0 件" in line for line in lines)
    assert any(line.startswith("■ 言い回し (") and "エラー 0 件" in line for line in lines)
    code, _ = run("check", "--faq", str(FORMATS), "--org", str(ROOT / "content" / "org"),
                  "--courses", str(ROOT / "content" / "courses"))
    assert code == 0


def test_commands_find_the_data_where_the_bot_does_also_through_dot_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = tmp_path / "org"
    shutil.copytree(ROOT / "tests" / "data" / "org" / "csv", org)
    (tmp_path / ".env").write_text(f"ORG_DIR={org}\nFAQ_DIR={FORMATS}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("ORG_DIR", "FAQ_DIR", "COURSES_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COURSES_DIR", str(ROOT / "content" / "courses"))
    code, out = run("check")
    assert code == 0
    assert out.startswith(f"■ FAQ ({FORMATS}): FAQ 8 件")
    assert f"■ 組織 ({org}): 所属 3 件" in out
    assert f"■ 研修 ({ROOT / 'content' / 'courses'}): 研修 9 件" in out


def test_an_unreadable_dot_env_leaves_the_environment_and_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from knowledge.cli import Places
    from knowledge.content import CONTENT_DIR

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAQ_DIR", raising=False)
    (tmp_path / ".env").write_text("# 設定\nFAQ_DIR=データ\n", encoding="cp932")
    monkeypatch.setenv("ORG_DIR", str(tmp_path / "org"))
    code, out = run("validate")
    assert code == 0 and "FAQ 83 件" in out  # the default FAQ
    assert "警告: .env を読めないので、環境変数と既定の場所だけを使います" in capsys.readouterr().err
    _, out = run("check")
    assert f"■ 組織 ({tmp_path / 'org'})" in out  # the environment still counts
    assert Places(_env_file=None).faq_dir == CONTENT_DIR / "faq"
