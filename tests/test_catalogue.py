"""The course catalogue: formats, date parsing, validation with locations, eligibility."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge.catalogue import (
    CATEGORIES,
    TOKYO,
    Catalogue,
    Course,
    build_catalogue,
    load_catalogue,
    parse_when,
)
from knowledge.directory import TIERS
from knowledge.live import BuildError, LiveData

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "content" / "courses"
CSV_DIR = Path(__file__).parent / "data" / "courses" / "csv"


@pytest.fixture(scope="module")
def sample() -> Catalogue:
    return build_catalogue(SAMPLE)


def read_csv(name: str) -> list[list[str]]:
    with (CSV_DIR / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


# ---------------------------------------------------------------- sample and formats


def test_sample_catalogue_loads_without_errors() -> None:
    result = load_catalogue(SAMPLE)
    assert result.errors == []
    assert result.warnings == []
    courses = result.catalogue.courses
    assert len(courses) == 9
    assert {c.category for c in courses} == set(CATEGORIES)
    sessions = [s for c in courses for s in c.sessions]
    assert len(sessions) == 16
    for s in sessions:
        assert s.start.tzinfo == TOKYO
        assert datetime(2026, 12, 1, tzinfo=TOKYO) <= s.start < datetime(2027, 4, 1, tzinfo=TOKYO)
        assert 10 <= s.capacity <= 60
        assert s.deadline is not None and s.deadline < s.start
        assert s.venue or s.online_url.startswith("https://teams.microsoft.com/")


def test_sample_is_marked_as_fictional() -> None:
    text = (SAMPLE / "fy2026.yaml").read_text(encoding="utf-8")
    assert "サンプルデータ (架空)" in text.splitlines()[1]


def test_sample_tier_courses_are_mandatory_for_their_tier(sample: Catalogue) -> None:
    for tier in TIERS:
        if tier == "主事・技師":
            continue  # no tier course for this level in the sample
        mandatory = [c for c in sample.courses if sample.is_mandatory(c, tier)]
        assert len(mandatory) == 1, tier
        assert mandatory[0].category == "階層別研修"
    udemy = sample.course("elearning-udemy")
    assert udemy.licence_pool == 300 and udemy.sessions == ()
    sp = sample.course("specialist-training")
    assert sp.approval_required and sp.approvers == ("admin",)


def test_yaml_session_end_time_only_and_date_deadline(sample: Catalogue) -> None:
    s = sample.session("nh-01")
    assert s.course_id == "tier-new-hire"
    assert s.start == datetime(2026, 12, 8, 13, 30, tzinfo=TOKYO)
    assert s.end == datetime(2026, 12, 8, 16, 30, tzinfo=TOKYO)
    assert s.deadline == datetime(2026, 12, 3, 23, 59, tzinfo=TOKYO)
    assert s.closes_at == s.deadline
    assert s.location is not None and str(s.location).startswith("fy2026.yaml:")


def test_csv_tables_with_japanese_headers() -> None:
    result = load_catalogue(CSV_DIR)
    assert result.errors == []
    cat = result.catalogue
    sp = cat.course("c-sp")
    assert sp.category == "DX推進スペシャリスト養成"
    assert sp.tiers == ("主任", "主査")
    assert sp.approval_required
    assert sp.approvers == ("admin", "boss@pref.example.lg.jp")
    assert cat.course("c-pr").roles == ("promoter",)
    assert not cat.course("c-pr").approval_required  # blank means no approval
    assert (cat.course("c-shunin").contact, cat.course("c-pr").contact) == ("人事課 研修係 (内線2201)", "")
    udemy = cat.course("c-udemy")
    assert (udemy.category, udemy.tiers, udemy.licence_pool) == ("e-ラーニング", (), 100)
    s1, s2 = cat.course("c-shunin").sessions
    assert (s1.id, s2.id) == ("s-1", "s-2")
    assert s1.start == datetime(2026, 12, 10, 9, 30, tzinfo=TOKYO)
    assert s1.end == datetime(2026, 12, 10, 12, 0, tzinfo=TOKYO)
    assert s2.deadline == datetime(2027, 2, 3, 17, 0, tzinfo=TOKYO)
    s3 = cat.session("s-3")
    assert s3.start == datetime(2027, 2, 3, 9, 30, tzinfo=TOKYO)
    assert s3.deadline is None and s3.closes_at == s3.start


def test_an_unknown_column_is_a_warning_naming_file_and_line(tmp_path: Path) -> None:
    import shutil

    shutil.copy(CSV_DIR / "courses.csv", tmp_path / "courses.csv")
    rows = read_csv("sessions.csv")
    with (tmp_path / "sessions.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[*rows[0], "講師"]] + [[*r, "デジタル 太郎"] for r in rows[1:]])
    result = load_catalogue(tmp_path)
    assert result.errors == []
    assert result.warnings == ["sessions.csv:2: 知らない項目「講師」は読み飛ばします"]


def _workbook(path: Path, session_rows: list[list]) -> None:
    wb = Workbook()
    courses = wb.active
    courses.title = "研修"
    for row in read_csv("courses.csv"):
        courses.append(row)
    sessions = wb.create_sheet("日程")
    sessions.append(read_csv("sessions.csv")[0])
    for row in session_rows:
        sessions.append(row)
    wb.save(path)


def test_xlsx_workbook_with_date_and_time_cells(tmp_path: Path) -> None:
    _workbook(tmp_path / "研修カタログ.xlsx", [
        ["s-1", "c-shunin", datetime(2026, 12, 10, 9, 30), time(12, 0), "講堂", None, 50,
         datetime(2026, 12, 4)],
        ["s-3", "c-sp", "2027/2/3 9:30", "17:00", "研修センター", None, 20, None],
        ["s-4", "c-pr", "2027-01-15 13:30", "17:00", "研修センター", None, 30, None],
    ])
    result = load_catalogue(tmp_path)
    assert result.errors == []
    s1 = result.catalogue.session("s-1")
    assert s1.start == datetime(2026, 12, 10, 9, 30, tzinfo=TOKYO)
    assert s1.end == datetime(2026, 12, 10, 12, 0, tzinfo=TOKYO)
    assert s1.capacity == 50
    # an Excel date cell reads as midnight; as a deadline it means the end of that day
    assert s1.deadline == datetime(2026, 12, 4, 23, 59, tzinfo=TOKYO)
    assert str(s1.location) == "研修カタログ.xlsx [シート 日程] 2行目"


def test_a_title_row_above_each_sheets_header_is_skipped(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    _workbook(tmp_path / "研修カタログ.xlsx", [
        ["s-1", "c-shunin", "2026/12/10 9:30", "12:00", "講堂", None, 50, None],
        ["s-3", "c-sp", "2027/2/3 9:30", "17:00", "研修センター", None, 20, None],
        ["s-4", "c-pr", "2027-01-15 13:30", "17:00", "研修センター", None, 30, None],
    ])
    book = load_workbook(tmp_path / "研修カタログ.xlsx")
    for name in ("研修", "日程"):
        book[name].insert_rows(1)
        book[name]["A1"] = f"令和8年度 {name}一覧"
    book.save(tmp_path / "研修カタログ.xlsx")
    result = load_catalogue(tmp_path)
    assert (result.errors, result.warnings) == ([], [])
    assert len(result.catalogue) == len(read_csv("courses.csv")) - 1
    assert str(result.catalogue.session("s-1").location) == "研修カタログ.xlsx [シート 日程] 3行目"


def test_a_courses_sheet_whose_header_is_not_recognised_is_an_error_not_an_empty_catalogue(
    tmp_path: Path,
) -> None:
    wb = Workbook()
    wb.active.title = "研修"
    wb.active.append(["コースコード", "コース名", "カテゴリー", "ライセンス数"])
    wb.active.append(["c1", "Excel 入門", "e-ラーニング", 10])
    sessions = wb.create_sheet("日程")
    sessions.append(["研修ID", "開始", "終了", "会場", "定員"])  # no 日程ID
    wb.save(tmp_path / "研修.xlsx")
    result = load_catalogue(tmp_path)
    assert result.errors == ["研修.xlsx [シート 研修] 1行目: 見出しに 研修ID・研修名 の列がありません "
                             "(見出しの誤字や抜けを確認してください)"]
    wb["研修"].delete_rows(1, 2)
    wb["研修"].append(["研修ID", "研修名", "区分", "ライセンス数"])
    wb.save(tmp_path / "研修.xlsx")
    assert load_catalogue(tmp_path).errors == ["研修.xlsx [シート 日程] 1行目: 見出しに 日程ID の列がありません "
                                               "(見出しの誤字や抜けを確認してください)"]
    wb["日程"].delete_rows(1)
    wb["日程"]["B3"] = "2026年度 研修日程（未定）"  # a title only: named at its row
    wb.save(tmp_path / "研修.xlsx")
    assert load_catalogue(tmp_path).errors == ["研修.xlsx [シート 日程] 3行目: 見出しに 日程ID・研修ID・開始 の列がありません "
                                               "(見出しの誤字や抜けを確認してください)"]
    del wb["日程"]
    wb.create_sheet("日程")  # an empty sessions sheet: e-learning only, no error
    wb.create_sheet("メモ欄").append(["研修名", "名称", "備考"])  # notes whose headers clash: not read
    wb.save(tmp_path / "研修.xlsx")
    assert load_catalogue(tmp_path).errors == []


def test_an_excel_date_cell_without_a_time_is_no_start_time(tmp_path: Path) -> None:
    _workbook(tmp_path / "catalogue.xlsx", [
        ["s-1", "c-shunin", datetime(2026, 12, 8), "16:30", "講堂", None, 50, datetime(2026, 12, 3)],
    ])
    (error, *_) = load_catalogue(tmp_path).errors
    assert error.startswith("catalogue.xlsx [シート 日程] 2行目: 開始日時: 日時「2026-12-08」に時刻がありません")


def test_a_sessions_sheet_under_another_name_is_reported_not_blamed_on_the_course(tmp_path: Path) -> None:
    _workbook(tmp_path / "catalogue.xlsx", [
        ["s-1", "c-shunin", "2026-12-10 09:30", "12:00", "講堂", None, 50, None],
    ])
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "catalogue.xlsx")
    book["日程"].title = "12月の日程"
    book.save(tmp_path / "catalogue.xlsx")
    result = load_catalogue(tmp_path)
    assert "catalogue.xlsx [シート 12月の日程]: 研修は「研修」、日程は「日程」という名前のシートに書いてください (このシートは読みません)" in result.warnings


def test_a_course_whose_sessions_all_have_errors_is_not_said_to_have_none(tmp_path: Path) -> None:
    _workbook(tmp_path / "catalogue.xlsx", [
        ["s-1", "c-shunin", "2026-12-10 09:30", "99:99", "講堂", None, 50, None],
        ["s-3", "c-sp", "2027/2/3 9:30", "17:00", "研修センター", None, 20, None],
        ["s-4", "c-pr", "2027-01-15 13:30", "17:00", "研修センター", None, 30, None],
    ])
    errors = load_catalogue(tmp_path).errors
    assert any("99:99" in e for e in errors)
    assert not any("日程もライセンス数もありません" in e for e in errors)


def test_xlsx_error_names_sheet_and_row(tmp_path: Path) -> None:
    _workbook(tmp_path / "catalogue.xlsx", [
        ["s-1", "c-shunin", "2026-12-10 09:30", "12:00", "講堂", None, 50, None],
        ["s-2", "c-shunin", "2026-12-11 09:30", "12:00", "講堂", None, 0, None],
        ["s-3", "c-sp", "2027/2/3 9:30", "17:00", "研修センター", None, 20, None],
        ["s-4", "c-pr", "2027-01-15 13:30", "17:00", "研修センター", None, 30, None],
    ])
    assert load_catalogue(tmp_path).errors == [
        "catalogue.xlsx [シート 日程] 3行目: 定員「0」は 1 以上の整数にしてください"
    ]


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text",
    [
        "2026-06-10 13:30",
        "2026/6/10 13:30",
        "2026-06-10T13:30",
        "2026-06-10 13:30:00",
        "2026年6月10日(水) 13時30分",
        "２０２６／０６／１０　１３：３０",
        "2026-06-10T13:30:00+09:00",
        "2026-06-10T04:30:00Z",
        "2026-06-10 00:30-04:00",
    ],
)
def test_parse_when_formats(text: str) -> None:
    parsed = parse_when(text)
    assert parsed == datetime(2026, 6, 10, 13, 30, tzinfo=TOKYO)
    assert parsed.tzinfo == TOKYO
    assert parsed.utcoffset() == timedelta(hours=9)


def test_parse_when_objects() -> None:
    assert parse_when(datetime(2026, 6, 10, 13, 30)) == datetime(2026, 6, 10, 13, 30, tzinfo=TOKYO)
    utc = datetime(2026, 6, 10, 4, 30, tzinfo=UTC)
    assert parse_when(utc).hour == 13 and parse_when(utc).tzinfo == TOKYO
    assert parse_when(date(2026, 6, 10), end_of_day=True) == datetime(
        2026, 6, 10, 23, 59, tzinfo=TOKYO
    )
    assert parse_when("2026-06-10", end_of_day=True).hour == 23
    assert parse_when(datetime(2026, 6, 10), end_of_day=True).hour == 23
    assert parse_when(datetime(2026, 6, 10, 17, 15), end_of_day=True).hour == 17
    assert parse_when("16:30", base=date(2026, 6, 10)) == datetime(2026, 6, 10, 16, 30, tzinfo=TOKYO)
    assert parse_when(time(16, 30), base=date(2026, 6, 10)).hour == 16


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-01 10:00", "存在しない"),
        ("2026-02-30 10:00", "存在しない"),
        ("2026-06-10 25:00", "存在しない"),
        ("来週の水曜", "読めません"),
        ("16:30", "読めません"),  # a time alone needs a base day
        ("2026-06-10", "時刻がありません"),
        (date(2026, 6, 10), "時刻がありません"),
    ],
)
def test_parse_when_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_when(value)


# ---------------------------------------------------------------- validation

COURSE_HEADER = ["研修ID", "研修名", "区分", "対象職位", "必須職位", "承認要否", "ライセンス数"]
SESSION_HEADER = ["日程ID", "研修ID", "開始日時", "終了日時", "会場", "オンラインURL", "定員", "申込締切"]
GOOD_COURSE = ["c1", "研修1", "階層別研修", "主任", "主任", "", ""]
GOOD_SESSION = ["s1", "c1", "2026-12-10 09:30", "12:00", "講堂", "", "30", "2026-12-04"]


def _errors(tmp_path: Path, courses: list[list[str]], sessions: list[list[str]]) -> list[str]:
    write_csv(tmp_path / "courses.csv", [COURSE_HEADER, GOOD_COURSE, *courses])
    write_csv(tmp_path / "sessions.csv", [SESSION_HEADER, GOOD_SESSION, *sessions])
    return load_catalogue(tmp_path).errors


CASES = {
    "duplicate course id": (
        [["c1", "別の研修", "階層別研修", "", "", "", "10"]], [],
        "courses.csv:3: 研修ID c1 が重複しています (courses.csv:2 と同じ)",
    ),
    "unknown category": (
        [["c2", "研修2", "特別研修", "", "", "", "10"]], [], "courses.csv:3: 区分「特別研修」は使えません",
    ),
    "unknown tier": (
        [["c2", "研修2", "階層別研修", "部長", "", "", "10"]], [],
        "courses.csv:3: 対象職位「部長」は使えません",
    ),
    "unknown mandatory tier": (
        [["c2", "研修2", "階層別研修", "", "係長", "", "10"]], [],
        "courses.csv:3: 必須職位「係長」は使えません",
    ),
    "mandatory tier outside eligible tiers": (
        [["c2", "研修2", "階層別研修", "主任", "主査", "", "10"]], [],
        "courses.csv:3: 必須職位が対象職位に含まれていません",
    ),
    "neither sessions nor licences": (
        [["c2", "研修2", "職場内DX研修", "", "", "", ""]], [],
        "courses.csv:3: 日程もライセンス数もありません",
    ),
    "bad licence pool": (
        [["c2", "研修2", "e-ラーニング", "", "", "", "-3"]], [],
        "courses.csv:3: ライセンス数「-3」は 1 以上の整数にしてください",
    ),
    "bad approval flag": (
        [["c2", "研修2", "e-ラーニング", "", "", "たぶん", "10"]], [],
        "courses.csv:3: 承認要否「たぶん」は はい/いいえ にしてください",
    ),
    "course id longer than the database keeps": (
        [["c" * 129, "研修2", "e-ラーニング", "", "", "", "10"]], [],
        "courses.csv:3: 研修ID「cccccccccccccccccccc…」が長すぎます (129 文字。128 文字以内にしてください)",
    ),
    "session id longer than the database keeps": (
        [], [["s" * 129, "c1", "2026-12-11 09:30", "12:00", "講堂", "", "30", ""]],
        "sessions.csv:3: 日程ID「ssssssssssssssssssss…」が長すぎます (129 文字。128 文字以内にしてください)",
    ),
    "course missing fields": (
        [["c2", "", "", "", "", "", "10"]], [], "courses.csv:3: 研修名、区分がありません",
    ),
    "duplicate session id": (
        [], [["s1", "c1", "2026-12-11 09:30", "12:00", "講堂", "", "30", ""]],
        "sessions.csv:3: 日程ID s1 が重複しています (sessions.csv:2 と同じ)",
    ),
    "session without course": (
        [], [["s2", "c9", "2026-12-11 09:30", "12:00", "講堂", "", "30", ""]],
        "sessions.csv:3: 研修ID c9 の研修がありません",
    ),
    "end before start": (
        [], [["s2", "c1", "2026-12-11 09:30", "2026-12-11 09:00", "講堂", "", "30", ""]],
        "sessions.csv:3: 終了日時が開始日時より前",
    ),
    "zero capacity": (
        [], [["s2", "c1", "2026-12-11 09:30", "12:00", "講堂", "", "0", ""]],
        "sessions.csv:3: 定員「0」は 1 以上の整数にしてください",
    ),
    "negative capacity": (
        [], [["s2", "c1", "2026-12-11 09:30", "12:00", "講堂", "", "-5", ""]],
        "sessions.csv:3: 定員「-5」は 1 以上の整数にしてください",
    ),
    "deadline after start": (
        [], [["s2", "c1", "2026-12-11 09:30", "12:00", "講堂", "", "30", "2026-12-11 10:00"]],
        "sessions.csv:3: 申込締切が開始日時より後です",
    ),
    "deadline on the day (date only means 23:59)": (
        [], [["s2", "c1", "2026-12-11 09:30", "12:00", "講堂", "", "30", "2026-12-11"]],
        "sessions.csv:3: 申込締切が開始日時より後です",
    ),
    "malformed start": (
        [], [["s2", "c1", "12月11日 朝", "12:00", "講堂", "", "30", ""]],
        "sessions.csv:3: 開始日時: 日時「12月11日 朝」を読めません",
    ),
    "impossible date": (
        [], [["s2", "c1", "2026-11-31 09:30", "12:00", "講堂", "", "30", ""]],
        "sessions.csv:3: 開始日時: 日時「2026-11-31 09:30」は存在しない日付・時刻です",
    ),
    "online link not https": (
        [], [["s2", "c1", "2026-12-11 09:30", "12:00", "", "http://teams.example/x", "30", ""]],
        "sessions.csv:3: オンラインURL「http://teams.example/x」は https:// で始まるリンクにしてください",
    ),
    "neither venue nor link": (
        [], [["s2", "c1", "2026-12-11 09:30", "12:00", "", "", "30", ""]],
        "sessions.csv:3: 会場かオンラインURLのどちらかを書いてください",
    ),
    "session missing fields": (
        [], [["", "c1", "2026-12-11 09:30", "", "講堂", "", "30", ""]],
        "sessions.csv:3: 日程ID、終了日時がありません",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_validation_error_names_location(tmp_path: Path, case: tuple) -> None:
    courses, sessions, expected = case
    errors = _errors(tmp_path, courses, sessions)
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected)


def test_valid_minimal_tables_have_no_errors(tmp_path: Path) -> None:
    assert _errors(tmp_path, [], []) == []


def test_all_errors_collected_and_build_raises(tmp_path: Path) -> None:
    write_csv(tmp_path / "courses.csv", [
        COURSE_HEADER, GOOD_COURSE, ["c2", "研修2", "特別研修", "", "", "", "10"],
    ])
    write_csv(tmp_path / "sessions.csv", [
        SESSION_HEADER, GOOD_SESSION,
        ["s2", "c1", "2026-12-11 09:30", "12:00", "講堂", "", "0", ""],
        ["s3", "c1", "2026-12-11 09:30", "12:00", "", "http://x", "10", ""],
    ])
    with pytest.raises(BuildError) as info:
        build_catalogue(tmp_path)
    assert [e.split(": ")[0] for e in info.value.errors] == [
        "sessions.csv:3", "sessions.csv:4", "courses.csv:3",
    ]


def test_yaml_nested_session_error_points_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "fy.yaml").write_text(
        "courses:\n"
        "  - id: c1\n"
        "    title: 研修\n"
        "    category: 職場内DX研修\n"
        "    sessions:\n"
        "      - {id: s1, start: 2026-12-10 09:30, end: '12:00', venue: 講堂, capacity: 10}\n"
        "      - id: s2\n"
        "        start: 2026-12-10 09:30\n"
        "        end: '08:00'\n"
        "        venue: 講堂\n"
        "        capacity: 10\n",
        encoding="utf-8",
    )
    assert load_catalogue(tmp_path).errors == [
        "fy.yaml:7: 終了日時が開始日時より前 (または同じ) です"
    ]


def test_a_course_id_too_long_is_said_once_at_the_course_not_at_each_session(tmp_path: Path) -> None:
    cid = "c" * 129
    (tmp_path / "fy.yaml").write_text(
        f"courses:\n  - id: {cid}\n    title: 研修\n    category: 職場内DX研修\n    sessions:\n"
        "      - {id: s1, start: 2026-12-10 09:30, end: '12:00', venue: 講堂, capacity: 10}\n"
        "      - {id: s2, start: 2026-12-11 09:30, end: '12:00', venue: 講堂, capacity: 10}\n",
        encoding="utf-8",
    )
    assert load_catalogue(tmp_path).errors == [
        "fy.yaml:2: 研修ID「cccccccccccccccccccc…」が長すぎます (129 文字。128 文字以内にしてください)"
    ]


def test_yaml_duplicate_ids_across_files(tmp_path: Path) -> None:
    body = "courses:\n  - {id: u, title: U, category: e-ラーニング, licence_pool: 5}\n"
    (tmp_path / "a.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(body, encoding="utf-8")
    assert load_catalogue(tmp_path).errors == [
        "b.yaml:2: 研修ID u が重複しています (a.yaml:2 と同じ)"
    ]


def test_approvers_default_to_admins_and_unknown_approver_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "fy.yaml").write_text(
        "courses:\n"
        "  - {id: a, title: A, category: e-ラーニング, licence_pool: 5, approval_required: はい}\n"
        "  - {id: b, title: B, category: e-ラーニング, licence_pool: 5, approval_required: true,\n"
        "     approvers: [部長]}\n"
        "  - {id: c, title: C, category: e-ラーニング, licence_pool: 5, approval_required: true,\n"
        "     approvers: '所属長、DX推進スペシャリスト'}\n",
        encoding="utf-8",
    )
    result = load_catalogue(tmp_path)
    assert result.errors == ["fy.yaml:3: 承認者「部長」は役割名 (admin など)・所属長・UPN のどれかにしてください"]
    assert result.catalogue.course("a").approvers == ("admin",)
    assert result.catalogue.course("c").approvers == ("head", "specialist")  # the applicant's 所属長


# ---------------------------------------------------------------- eligibility


def test_courses_for_puts_mandatory_first(sample: Catalogue) -> None:
    ids = [c.id for c in sample.courses_for("主任", [])]
    assert ids[0] == "tier-shunin"
    assert "promoter-training" not in ids  # role-restricted
    assert "tier-shusa" not in ids  # another tier's course
    assert {"workplace-dx", "elearning-udemy", "specialist-training"} <= set(ids)


def test_courses_for_with_role(sample: Catalogue) -> None:
    ids = [c.id for c in sample.courses_for("主事・技師", {"promoter"})]
    assert "promoter-training" in ids
    assert "specialist-training" not in ids  # tier-restricted to 主任〜課長補佐
    # nothing mandatory for 主事・技師: ordered by category
    order = [CATEGORIES.index(sample.course(i).category) for i in ids]
    assert order == sorted(order)


def test_courses_for_unknown_tier_gets_open_courses_only(sample: Catalogue) -> None:
    assert [c.id for c in sample.courses_for(None)] == ["workplace-dx", "elearning-udemy"]


def test_is_eligible_and_is_mandatory(sample: Catalogue) -> None:
    head = sample.course("tier-new-head")
    assert Catalogue.is_eligible(head, "所属長", ())
    assert not Catalogue.is_eligible(head, "主任", ())
    assert Catalogue.is_mandatory(head, "所属長")
    assert not Catalogue.is_mandatory(head, None)
    pr = sample.course("promoter-training")
    assert Catalogue.is_eligible(pr, "主任", ["promoter"])
    assert not Catalogue.is_eligible(pr, "主任", ["specialist"])


def test_mandatory_course_comes_before_earlier_categories() -> None:
    open_course = Course("a", "A", "階層別研修", licence_pool=1)
    mandatory = Course("b", "B", "職場内DX研修", mandatory_for=("主任",), licence_pool=1)
    cat = Catalogue([open_course, mandatory])
    assert [c.id for c in cat.courses_for("主任")] == ["b", "a"]
    assert [c.id for c in cat.courses_for("主査")] == ["a", "b"]


def test_live_data_counts_courses() -> None:
    status = LiveData("研修カタログ", SAMPLE, build_catalogue).load()
    assert status.ready and status.count == 9 and status.errors == ()


def test_a_template_row_in_a_catalogue_csv_is_left_out_and_said_so(tmp_path: Path) -> None:
    write_csv(tmp_path / "courses.csv", [COURSE_HEADER, ["必須", "必須", "必須", "任意", "任意", "任意", "任意"],
                                         GOOD_COURSE])
    write_csv(tmp_path / "sessions.csv", [SESSION_HEADER, GOOD_SESSION])
    load = load_catalogue(tmp_path)
    assert load.errors == []
    assert "courses.csv: 記入例や「必須」「任意」の説明の行 (2 行目) は読みません" in load.warnings


@pytest.mark.parametrize("written", ["主査、主任", "主査,主任", "主査，主任", "主査 主任", "主査／主任", "主任\n主査"])
def test_several_tiers_in_a_cell_are_read_however_separated(tmp_path: Path, written: str) -> None:
    header = [*COURSE_HEADER, "対象役割", "承認者"]
    write_csv(tmp_path / "courses.csv", [
        header, ["c1", "研修1", "DX推進スペシャリスト養成", written, "", "はい", "", "推進員、スペシャリスト",
                 "admin, kikaku.jiro@pref.example.lg.jp"]])
    write_csv(tmp_path / "sessions.csv", [SESSION_HEADER, GOOD_SESSION])
    loaded = load_catalogue(tmp_path)
    assert not loaded.errors, loaded.errors
    course = loaded.catalogue.courses[0]
    assert course.tiers == ("主任", "主査")
    assert course.roles == ("promoter", "specialist")
    assert course.approvers == ("admin", "kikaku.jiro@pref.example.lg.jp")


def test_a_tier_that_is_not_one_says_how_to_write_several(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, [["c2", "研修2", "階層別研修", "主査 部長", "", "", "10"]], [])
    assert error.startswith("courses.csv:3: 対象職位「主査 部長」は使えません (使える値: 新規採用職員、")
    assert error.endswith("複数なら「、」か改行で区切ります)")


def test_implausible_sessions_are_warned_with_their_row(tmp_path: Path) -> None:
    write_csv(tmp_path / "courses.csv", [COURSE_HEADER, GOOD_COURSE])
    write_csv(tmp_path / "sessions.csv", [
        SESSION_HEADER, GOOD_SESSION,
        ["s2", "c1", "2026-12-08 13:30", "2027-12-08 16:30", "講堂", "", "30", ""],  # a year typed wrong
        ["s3", "c1", "2026-12-09 13:30", "16:30", "講堂", "", "600000", ""],  # a finger slipped
        ["s4", "c1", "2026-12-10 09:00", "2026-12-11 17:00", "講堂", "", "60.0", ""],  # two days: fine
    ])
    loaded = load_catalogue(tmp_path)
    assert not loaded.errors, loaded.errors  # 「60.0」 is 60, as Excel's 60.0 is
    assert loaded.warnings == [
        "sessions.csv:3: 開始から終了まで 365 日あります。終了日時の年や月の書き間違いではないか確かめてください",
        "sessions.csv:4: 定員 600,000 人は多すぎないか確かめてください (桁の打ち間違い?)",
    ]
    assert {s.id: s.capacity for s in loaded.catalogue.courses[0].sessions} == {
        "s1": 30, "s2": 30, "s3": 600000, "s4": 60}
