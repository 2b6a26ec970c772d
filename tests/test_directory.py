"""The organisation directory: loading each format, validation with locations, look-ups."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge.directory import (
    TIERS,
    Directory,
    build_directory,
    load_directory,
    normalize_role,
    normalize_tier,
)
from knowledge.live import BuildError, LiveData

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "content" / "org"
CSV_DIR = Path(__file__).parent / "data" / "org" / "csv"
UPN = "@pref.example.lg.jp"


@pytest.fixture(scope="module")
def sample() -> Directory:
    return build_directory(SAMPLE)


def read_csv(name: str) -> list[list[str]]:
    with (CSV_DIR / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


# ---------------------------------------------------------------- formats


def test_sample_data_loads_without_errors() -> None:
    result = load_directory(SAMPLE)
    assert result.errors == []
    assert len(result.directory.units) == 11
    assert len(result.directory.people) == 36
    assert len({u.department_code for u in result.directory.units.values()}) == 5
    # exactly one unit is deliberately left without promoters
    assert len(result.warnings) == 1
    assert "河川課" in result.warnings[0]
    assert result.warnings[0].startswith("units.yaml:")


def test_sample_files_are_marked_as_fictional() -> None:
    for path in sorted(SAMPLE.glob("*.yaml")):
        assert "サンプルデータ (架空)" in path.read_text(encoding="utf-8").splitlines()[1], path


def test_csv_directory_with_japanese_headers() -> None:
    result = load_directory(CSV_DIR)
    assert result.errors == []
    d = result.directory
    assert d.unit("A-02").aliases == ("広報広聴課", "PR課")
    taro = d.person_by_upn("kikaku.taro" + UPN)
    assert taro is not None
    assert (taro.name, taro.unit_code, taro.tier) == ("企画 太郎", "A-01", "所属長")
    assert d.person_by_upn("zeimu.saburo" + UPN).tier == "課長補佐・班長"  # alias 課長補佐
    assert [p.name for p in d.promoters("A-01")] == ["企画 次郎", "企画 花子"]
    assert [p.name for p in d.specialists("A")] == ["広報 一郎"]
    assert d.roles_of("koho.ichiro" + UPN) == {"promoter", "specialist"}
    assert d.is_admin("KIKAKU.TARO" + UPN)
    assert any("税務課" in w for w in result.warnings)
    assert any("税務部" in w and "スペシャリスト" in w for w in result.warnings)


def test_an_unknown_column_is_a_warning_naming_file_and_line(tmp_path: Path) -> None:
    for name in ("units.csv", "staff.csv", "roles.csv"):
        rows = read_csv(name)
        if name == "staff.csv":  # a notes column, and a misspelt optional one
            rows = [[*rows[0], "備考", "ふりがな"]] + [[*r, "", ""] for r in rows[1:]]
        write_csv(tmp_path / name, rows)
    result = load_directory(tmp_path)
    assert result.errors == []
    assert "staff.csv:2: 知らない項目「備考」は読み飛ばします" in result.warnings
    assert "staff.csv:2: 知らない項目「ふりがな」は読み飛ばします" in result.warnings


def _workbook(path: Path, names: tuple[str, str, str], staff_extra: list[list] | None = None) -> None:
    """One workbook holding the CSV fixture's three tables as sheets, plus a notes sheet."""
    wb = Workbook()
    notes = wb.active
    notes.title = "説明"
    notes.append(["この表は組織データです"])
    for name, file in zip(names, ("units.csv", "staff.csv", "roles.csv"), strict=True):
        ws = wb.create_sheet(name)
        for row in read_csv(file):
            ws.append(row)
        if file == "staff.csv":
            for row in staff_extra or []:
                ws.append(row)
    wb.save(path)


@pytest.mark.parametrize("names", [("所属", "職員", "役割"), ("units", "staff", "roles")])
def test_single_workbook_with_three_sheets(tmp_path: Path, names: tuple[str, str, str]) -> None:
    _workbook(tmp_path / "組織.xlsx", names)
    from_xlsx = load_directory(tmp_path)
    from_csv = load_directory(CSV_DIR)
    assert from_xlsx.errors == []
    assert from_xlsx.directory.units == from_csv.directory.units
    assert from_xlsx.directory.people == from_csv.directory.people
    assert [p.upn for p in from_xlsx.directory.promoters("A-01")] == [
        p.upn for p in from_csv.directory.promoters("A-01")
    ]
    # the workbook path itself works too
    assert load_directory(tmp_path / "組織.xlsx").errors == []


def test_a_title_row_above_a_shared_workbooks_tables_is_skipped(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    extra = [["new.one" + UPN, "", "新人 一人", "Z-99", "主任"]]
    _workbook(tmp_path / "組織.xlsx", ("所属", "職員", "役割"), staff_extra=extra)
    book = load_workbook(tmp_path / "組織.xlsx")
    for name in ("所属", "職員", "役割"):  # as such sheets are often laid out
        book[name].insert_rows(1)
        book[name]["A1"] = f"令和8年度 {name}一覧"
    book.save(tmp_path / "組織.xlsx")
    result = load_directory(tmp_path)
    assert result.errors == ["組織.xlsx [シート 職員] 9行目: 所属コード Z-99 は所属一覧にありません"]
    book["職員"].delete_rows(9)
    book.save(tmp_path / "組織.xlsx")
    result = load_directory(tmp_path)
    assert result.errors == []
    assert result.directory.units == load_directory(CSV_DIR).directory.units


def test_a_shared_workbooks_sheet_with_a_broken_header_is_named(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    _workbook(tmp_path / "組織.xlsx", ("所属", "職員", "役割"))
    book = load_workbook(tmp_path / "組織.xlsx")
    book["所属"]["A1"] = "所属CD"  # mistyped
    book.save(tmp_path / "組織.xlsx")
    assert load_directory(tmp_path).errors == [
        "組織.xlsx [シート 所属] 1行目: 見出しに 所属コード の列がありません (見出しの誤字や抜けを確認してください)"]


def test_a_hidden_staff_row_is_left_out_once_with_a_warning(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    extra = [["left.person" + UPN, "", "退職 済子", "A-01", "主任"]]
    _workbook(tmp_path / "org.xlsx", ("所属", "職員", "役割"), staff_extra=extra)
    book = load_workbook(tmp_path / "org.xlsx")
    staff = book["職員"]
    staff.row_dimensions[staff.max_row].hidden = True
    book.save(tmp_path / "org.xlsx")
    result = load_directory(tmp_path)
    assert result.errors == []
    assert result.directory.person_by_upn("left.person" + UPN) is None
    hidden = [w for w in result.warnings if "非表示" in w]
    assert hidden == [f"org.xlsx [シート 職員]: 非表示の行 ({staff.max_row} 行目) は読みません"]


def test_a_units_workbook_keeps_other_lists_beside_its_table(tmp_path: Path) -> None:
    for name in ("staff.csv", "roles.csv"):
        write_csv(tmp_path / name, read_csv(name))
    wb = Workbook()
    wb.active.title = "部局一覧"  # two unit columns, no unit code: a list, not the table
    wb.active.append(["部局コード", "部局名", "部局長"])
    wb.active.append(["A", "企画部", "企画 太郎"])
    units = wb.create_sheet("所属")
    rows = read_csv("units.csv")
    for row in rows[:-1]:
        units.append(row)
    branch = wb.create_sheet("出先機関")  # the table's own header: more of its rows
    branch.append(rows[0])
    branch.append(rows[-1])
    wb.save(tmp_path / "units.xlsx")
    result = load_directory(tmp_path)
    assert result.errors == []
    assert result.directory.units == load_directory(CSV_DIR).directory.units  # 所属 and 出先機関
    assert "units.xlsx [シート 部局一覧]: 所属の表ではないため読みません (表はシート「所属」から読みます)" in result.warnings
    # without a shown sheet named for the table, the list is taken for a broken table
    units.sheet_state = "hidden"
    wb.save(tmp_path / "units.xlsx")
    assert load_directory(tmp_path).errors[0].startswith("units.xlsx [シート 部局一覧] 1行目: 見出しに 所属コード")


def test_a_hidden_old_sheet_named_for_the_table_does_not_hide_the_shown_one(tmp_path: Path) -> None:
    for name in ("staff.csv", "roles.csv"):
        write_csv(tmp_path / name, read_csv(name))
    wb = Workbook()
    old = wb.active
    old.title = "所属"
    old.sheet_state = "hidden"  # last year's, put away
    for row in read_csv("units.csv"):
        old.append(row)
    shown = wb.create_sheet("所属 (2026年度)")
    for row in read_csv("units.csv"):
        shown.append(row)
    wb.active = shown
    wb.save(tmp_path / "units.xlsx")
    result = load_directory(tmp_path)
    assert result.errors == []
    assert result.directory.units == load_directory(CSV_DIR).directory.units

def test_workbook_error_names_sheet_and_row(tmp_path: Path) -> None:
    extra = [["new.one" + UPN, "", "新人 一人", "Z-99", "主任"]]
    _workbook(tmp_path / "org.xlsx", ("所属", "職員", "役割"), staff_extra=extra)
    errors = load_directory(tmp_path).errors
    assert errors == ["org.xlsx [シート 職員] 8行目: 所属コード Z-99 は所属一覧にありません"]


def test_missing_sheet_is_reported(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "所属"
    for row in read_csv("units.csv"):
        wb.active.append(row)
    wb.save(tmp_path / "org.xlsx")
    errors = load_directory(tmp_path).errors
    assert any("職員の表が見つかりません" in e for e in errors)
    assert any("役割の表が見つかりません" in e for e in errors)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    for name in ("units.csv", "staff.csv"):
        write_csv(tmp_path / name, read_csv(name))
    (tmp_path / "roles.yaml").write_text("roles:\n  - role: admin\n    upn: [oops\n", encoding="utf-8")
    errors = load_directory(tmp_path).errors
    assert len(errors) == 1
    assert errors[0].startswith("roles.yaml:3: YAML の書式エラー")  # where the bracket opened (the file has 3 lines)


def test_two_files_for_one_table_is_an_error(tmp_path: Path) -> None:
    for name in ("units.csv", "staff.csv", "roles.csv"):
        write_csv(tmp_path / name, read_csv(name))
    (tmp_path / "units.yaml").write_text("units: []\n", encoding="utf-8")
    assert any("units.csv、units.yaml: 所属の表が複数あります" in e
               for e in load_directory(tmp_path).errors)


# ---------------------------------------------------------------- validation


def _dataset(tmp_path: Path, table: str, extra: list[str]) -> list[str]:
    """The CSV fixture with one extra row appended to ``table``; returns the errors."""
    for name in ("units", "staff", "roles"):
        rows = read_csv(f"{name}.csv")
        if name == table:
            rows.append(extra)
        write_csv(tmp_path / f"{name}.csv", rows)
    return load_directory(tmp_path).errors


CASES = {
    "duplicate unit code": (
        "units", ["A-01", "別の課", "A", "企画部", "", ""],
        "units.csv:5: 所属コード A-01 が重複しています (units.csv:2 と同じ)",
    ),
    "department name disagrees": (
        "units", ["A-03", "調整課", "A", "企画局", "", ""],
        "units.csv:5: 部局コード A の部局名「企画局」が units.csv:2 の「企画部」と異なります",
    ),
    "unit code longer than the database keeps": (
        "units", ["A-" + "9" * 63, "長い課", "A", "企画部", "", ""],
        "units.csv:5: 所属コード「A-999999999999999999…」が長すぎます (65 文字。64 文字以内にしてください)",
    ),
    "unit missing fields": (
        "units", ["A-04", "", "A", "", "", ""], "units.csv:5: 所属名、部局名がありません",
    ),
    "staff unknown unit": (
        "staff", ["x" + UPN, "", "謎 人", "Q-1", "主任"],
        "staff.csv:8: 所属コード Q-1 は所属一覧にありません",
    ),
    "staff unknown tier": (
        "staff", ["x" + UPN, "", "謎 人", "A-01", "部長"], "staff.csv:8: 職位「部長」は使えません",
    ),
    "staff duplicate upn (case-insensitive)": (
        "staff", ["KIKAKU.JIRO" + UPN, "", "企画 次郎", "A-01", "主任"],
        f"staff.csv:8: UPN kikaku.jiro{UPN} が重複しています (staff.csv:3 と同じ)",
    ),
    "staff duplicate aad id": (
        "staff", ["other" + UPN, "22222222-2222-4222-8222-222222222222", "別 人", "A-01", "主任"],
        "staff.csv:8: AADオブジェクトID 22222222-2222-4222-8222-222222222222 が重複しています "
        "(staff.csv:3 と同じ)",
    ),
    "staff malformed aad id": (
        "staff", ["other" + UPN, "not-a-guid", "別 人", "A-01", "主任"],
        "staff.csv:8: AADオブジェクトID「not-a-guid」の形式が正しくありません",
    ),
    "staff missing fields": (
        "staff", ["", "", "名無し", "A-01", ""], "staff.csv:8: UPN、職位がありません",
    ),
    "staff upn not an address": (
        "staff", ["kikaku", "", "企画", "A-01", "主任"],
        "staff.csv:8: UPN「kikaku」はメールアドレスの形式ではありません",
    ),
    "staff upn of two addresses": (
        "staff", ["a@pref.example.lg.jp; b@pref.example.lg.jp", "", "二人", "A-01", "主任"],
        "staff.csv:8: UPN「a@pref.example.lg.jp; b@pref.example.lg.jp」はメールアドレスの形式ではありません",
    ),
    "staff upn only an at sign": (
        "staff", ["@", "", "記号", "A-01", "主任"], "staff.csv:8: UPN「@」はメールアドレスの形式ではありません",
    ),
    "role unknown": (
        "roles", ["部長", "kikaku.taro" + UPN, "", "", ""], "roles.csv:8: 役割「部長」は使えません",
    ),
    "role person not in staff": (
        "roles", ["管理者", "ghost" + UPN, "", "", ""],
        f"roles.csv:8: UPN ghost{UPN} は職員一覧にいません",
    ),
    "promoter without unit": (
        "roles", ["promoter", "kikaku.taro" + UPN, "", "A", ""],
        "roles.csv:8: デジタル活用推進員の行には所属コードが必要です",
    ),
    "promoter unknown unit": (
        "roles", ["promoter", "kikaku.taro" + UPN, "Z-9", "", ""],
        "roles.csv:8: 所属コード Z-9 は所属一覧にありません",
    ),
    "specialist without department": (
        "roles", ["specialist", "kikaku.taro" + UPN, "A-01", "", ""],
        "roles.csv:8: DX推進スペシャリストの行には部局コードが必要です",
    ),
    "specialist unknown department": (
        "roles", ["specialist", "kikaku.taro" + UPN, "", "ZZ", ""],
        "roles.csv:8: 部局コード ZZ は所属一覧にありません",
    ),
    "duplicate order within unit": (
        "roles", ["promoter", "kikaku.taro" + UPN, "A-01", "", "1"],
        "roles.csv:8: 順位 1 が重複しています (roles.csv:3 と同じ)",
    ),
    "bad order": (
        "roles", ["promoter", "kikaku.taro" + UPN, "A-01", "", "first"],
        "roles.csv:8: 順位「first」は 1 以上の整数にしてください",
    ),
    "duplicate role row": (
        "roles", ["promoter", "koho.ichiro" + UPN, "A-02", "", ""],
        "roles.csv:8: 同じ役割の行が重複しています (roles.csv:4 と同じ)",
    ),
    "role missing upn": ("roles", ["admin", "", "", "", ""], "roles.csv:8: UPNがありません"),
}


def test_a_department_code_too_long_is_one_error_not_one_per_member_of_the_unit(tmp_path: Path) -> None:
    for name in ("units", "staff", "roles"):
        rows = read_csv(f"{name}.csv")
        if name == "units":
            rows[1][2] = "D" * 70  # A-01's department
        write_csv(tmp_path / f"{name}.csv", rows)
    assert load_directory(tmp_path).errors == [
        "units.csv:2: 部局コード「DDDDDDDDDDDDDDDDDDDD…」が長すぎます (70 文字。64 文字以内にしてください)"
    ]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_validation_error_names_location(tmp_path: Path, case: tuple) -> None:
    table, row, expected = case
    errors = _dataset(tmp_path, table, row)
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected)


def test_all_errors_are_collected(tmp_path: Path) -> None:
    write_csv(tmp_path / "units.csv", read_csv("units.csv"))
    staff = [
        *read_csv("staff.csv"),
        ["a" + UPN, "", "甲", "Q-1", "主任"],
        ["b" + UPN, "", "乙", "A-01", "部長"],
    ]
    write_csv(tmp_path / "staff.csv", staff)
    roles = [*read_csv("roles.csv"), ["specialist", "kikaku.taro" + UPN, "", "", ""]]
    write_csv(tmp_path / "roles.csv", roles)
    with pytest.raises(BuildError) as info:
        build_directory(tmp_path)
    assert [e.split(":")[0] + ":" + e.split(":")[1] for e in info.value.errors] == [
        "staff.csv:8", "staff.csv:9", "roles.csv:8",
    ]
    assert str(info.value).count("\n") == 2


def test_invalid_staff_row_does_not_cascade_into_roles(tmp_path: Path) -> None:
    # the person's own row is wrong (unknown tier); their role row should not add a 2nd error
    staff = [r if not r[0].startswith("help.desk") else [*r[:4], "部長"]
             for r in read_csv("staff.csv")]
    for name in ("units.csv", "roles.csv"):
        write_csv(tmp_path / name, read_csv(name))
    write_csv(tmp_path / "staff.csv", staff)
    errors = load_directory(tmp_path).errors
    assert len(errors) == 1
    assert errors[0].startswith("staff.csv:7: 職位「部長」")


# ---------------------------------------------------------------- look-ups


def test_lookup_by_aad_then_upn(sample: Directory) -> None:
    sato = sample.person_by_upn("sato.hanako" + UPN)
    assert sato is not None and sato.aad_object_id
    assert sample.person_by_aad(sato.aad_object_id.upper()) == sato
    assert sample.person_by_upn("SATO.Hanako" + UPN.upper()) == sato
    assert sample.identify(sato.aad_object_id, "someone.else" + UPN) == sato
    # no AAD id on file: found by UPN, whatever id Teams sends
    ishii = sample.identify("0f0f0f0f-0000-4000-8000-000000000000", "Ishii.Haruka" + UPN)
    assert ishii is not None and ishii.name == "石井 遥" and ishii.aad_object_id is None
    assert sample.identify(None, None) is None
    assert sample.identify("0f0f0f0f-0000-4000-8000-000000000000", "nobody" + UPN) is None


def test_promoters_follow_order_column_not_file_order() -> None:
    d = build_directory(CSV_DIR)  # roles.csv lists order 2 before order 1
    assert [p.upn for p in d.promoters("A-01")] == ["kikaku.jiro" + UPN, "kikaku.hanako" + UPN]
    assert d.promoters("B-01") == []


def test_escalation_chain(sample: Directory) -> None:
    chain = sample.escalation_chain("DIG-01")
    assert [level for level, _ in chain] == ["promoter", "specialist", "helpdesk"]
    assert [p.name for p in chain[0][1]] == ["高橋 翔太", "伊藤 美咲"]
    assert [p.name for p in chain[1][1]] == ["井上 真理子"]
    assert [p.name for p in chain[2][1]] == ["佐藤 花子", "青木 智也", "藤井 舞"]


def test_escalation_chain_skips_unit_without_promoters(sample: Directory) -> None:
    chain = sample.escalation_chain("DOB-02")  # 河川課 has no promoter
    assert [level for level, _ in chain] == ["specialist", "helpdesk"]
    assert [p.name for p in chain[0][1]] == ["近藤 勇"]
    assert [level for level, _ in sample.escalation_chain("NO-SUCH")] == ["helpdesk"]


def test_roles_and_admins(sample: Directory) -> None:
    assert sample.roles_of("SATO.HANAKO" + UPN) == {"helpdesk", "admin"}
    assert sample.is_admin("nishimura.takumi" + UPN)
    assert not sample.is_admin("takahashi.shota" + UPN)
    assert sample.roles_of("nobody" + UPN) == set()
    assert [p.upn for p in sample.admins()] == ["sato.hanako" + UPN, "nishimura.takumi" + UPN]
    assert [p.name for p in sample.specialists("SOM")] == ["阿部 誠", "清水 恵子"]
    assert {u.code for u in sample.department_units("SOM")} == {"SOM-01", "SOM-02", "SOM-03"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("総務課", "総務課"),
        ("そうむ", "総務課"),
        ("ソウム", "総務課"),
        ("ｿｳﾑｶ", "総務課"),
        ("ＤＸ推進課", "デジタル改革推進課"),
        ("ﾃﾞｼﾞﾀﾙ改革", "デジタル改革推進課"),
        ("すまーと", "スマート改革推進課"),
        ("人事", "人事課"),
        ("  道路  企画 ", "道路企画課"),
    ],
)
def test_find_units(sample: Directory, text: str, expected: str) -> None:
    found = sample.find_units(text)
    assert found, text
    assert found[0][0].name == expected
    assert len(found) <= 3


def test_find_units_exact_scores_highest_and_nonsense_finds_nothing(sample: Directory) -> None:
    assert sample.find_units("総務課")[0][1] == 100
    assert sample.find_units("qwerty") == []
    assert sample.find_units("   ") == []
    assert len(sample.find_units("課", limit=2)) <= 2


@pytest.mark.parametrize(
    ("value", "tier"),
    [("主事", "主事・技師"), ("主事･技師", "主事・技師"), ("課長補佐", "課長補佐・班長"),
     ("新規採用", "新規採用職員"), ("所属長", "所属長"), ("部長", None)],
)
def test_normalize_tier(value: str, tier: str | None) -> None:
    assert normalize_tier(value) == tier


@pytest.mark.parametrize(
    ("value", "role"),
    [("デジタル活用推進員", "promoter"), ("ＤＸ推進スペシャリスト", "specialist"),
     ("ﾍﾙﾌﾟﾃﾞｽｸ", "helpdesk"), ("Admin", "admin"), ("部長", None)],
)
def test_normalize_role(value: str, role: str | None) -> None:
    assert normalize_role(value) == role


def test_tiers_are_ordered_junior_first() -> None:
    assert TIERS[0] == "新規採用職員" and TIERS[-1] == "所属長"


def test_live_data_keeps_last_good_directory(tmp_path: Path) -> None:
    for name in ("units.csv", "staff.csv", "roles.csv"):
        write_csv(tmp_path / name, read_csv(name))
    live = LiveData("組織", tmp_path, build_directory)
    status = live.load()
    assert status.ready and status.count == 6 and status.errors == ()
    write_csv(tmp_path / "staff.csv", [*read_csv("staff.csv"), ["x" + UPN, "", "謎", "Q-1", "主任"]])
    status = live.load()
    assert status.stale
    assert status.errors == ("staff.csv:8: 所属コード Q-1 は所属一覧にありません",)
    assert len(live.current) == 6


def test_a_workbook_beside_the_yaml_tables_is_a_conflict_not_ignored(tmp_path: Path) -> None:
    import shutil

    org = tmp_path / "org"
    shutil.copytree(ROOT / "content" / "org", org)
    book = Workbook()
    book.active.title = "職員"
    book.active.append(["UPN", "氏名", "所属コード"])
    book.active.append(["new.person@pref.example.lg.jp", "新人 一郎", "DIG-01"])
    book.save(org / "組織.xlsx")
    errors = load_directory(org).errors
    assert errors == [
        "staff.yaml、組織.xlsx: 職員の表が両方にあります。"
        "どちらか一方にしてください (古いほうを別のフォルダに移してください)"
    ]


def test_numeric_codes_match_with_or_without_leading_zeros(tmp_path: Path) -> None:
    # The units sheet holds the codes as text (as a CSV or a text-formatted column gives
    # them: 「001」); the staff and roles sheets hold numbers shown as 001 by the format 000,
    # which are read as 1. Both mean the same unit.
    code = {"A-01": "001", "A-02": "002", "B-01": "101", "A": "01", "B": "02"}
    wb = Workbook()
    units, staff, roles = wb.active, wb.create_sheet("職員"), wb.create_sheet("役割")
    units.title = "所属"
    for i, row in enumerate(read_csv("units.csv")):
        if i:
            row[0], row[2] = code[row[0]], code[row[2]] if i != 2 else 1  # 「01」 and 1
        units.append(row)
    for sheet, file, columns in ((staff, "staff.csv", (3,)), (roles, "roles.csv", (2, 3))):
        for i, row in enumerate(read_csv(file)):
            for c in columns:
                if i and row[c]:
                    row[c] = int(code[row[c]])
            sheet.append(row)
            for c in columns:
                sheet.cell(sheet.max_row, c + 1).number_format = "000"
    wb.save(tmp_path / "組織.xlsx")
    result = load_directory(tmp_path)
    assert result.errors == []
    directory = result.directory
    assert sorted(directory.units) == ["001", "002", "101"]
    assert directory.unit("002").department_code == "01"  # written 1 on its row
    assert directory.person_by_upn("koho.ichiro" + UPN).unit_code == "002"
    assert [p.upn for p in directory.promoters("001")] == ["kikaku.jiro" + UPN, "kikaku.hanako" + UPN]
    assert [p.upn for p in directory.specialists("01")] == ["koho.ichiro" + UPN]


def test_codes_are_read_as_excel_shows_them_so_a_hidden_duplicate_is_found(tmp_path: Path) -> None:
    wb = Workbook()
    units = wb.active
    units.title = "所属"
    for row in read_csv("units.csv"):
        units.append(row)
    units.append([1, "企画課(旧)", "A", "企画部"])  # Excel shows 001, as the text 「001」 above
    units.cell(units.max_row, 1).number_format = "000"
    units["A2"] = "001"
    for name, file in (("職員", "staff.csv"), ("役割", "roles.csv")):
        sheet = wb.create_sheet(name)
        for row in read_csv(file):
            sheet.append(["001" if cell == "A-01" else cell for cell in row])
    wb.save(tmp_path / "組織.xlsx")
    errors = load_directory(tmp_path).errors
    assert errors == ["組織.xlsx [シート 所属] 5行目: 所属コード 001 が重複しています (組織.xlsx [シート 所属] 2行目 と同じ)"]


def test_numeric_codes_that_differ_as_written_stay_apart_where_the_data_says_so(
    tmp_path: Path,
) -> None:
    units = [["所属コード", "所属名", "部局コード", "部局名"],
             ["01", "企画課", "01", "企画部"], ["1", "税務課", "1", "税務部"], ["2", "広報課", "01", "企画部"]]
    write_csv(tmp_path / "units.csv", units)
    write_csv(tmp_path / "staff.csv", [["UPN", "氏名", "所属コード", "職位"],
                                        ["a" + UPN, "甲", "001", "主事"], ["b" + UPN, "乙", "02", "主事"]])
    write_csv(tmp_path / "roles.csv", [["役割", "UPN", "所属コード", "部局コード"],
                                        ["推進員", "b" + UPN, "2", ""]])
    result = load_directory(tmp_path)
    # the units 01 and 1 are two units, of two departments (01 企画部 and 1 税務部); 02 is 2
    assert result.errors == ["staff.csv:2: 所属コード 001 は 所属一覧の 01・1 のどれか決められません"]
    assert "units.csv:3: 部局コード 1「税務部」と 01「企画部」(units.csv:2) は、部局名が違うので別の部局として読みました" in result.warnings
    assert [result.directory.unit(c).department_name for c in ("01", "1", "2")] == ["企画部", "税務部", "企画部"]
    assert result.directory.person_by_upn("b" + UPN).unit_code == "2"
    assert [p.upn for p in result.directory.promoters("2")] == ["b" + UPN]


def test_a_code_of_other_digits_is_no_crash(tmp_path: Path) -> None:
    write_csv(tmp_path / "units.csv", [["所属コード", "所属名", "部局コード", "部局名"], ["፩", "課", "A", "部"]])
    write_csv(tmp_path / "staff.csv", [["UPN", "氏名", "所属コード", "職位"], ["a" + UPN, "甲", "1", "主事"]])
    write_csv(tmp_path / "roles.csv", [["役割", "UPN", "所属コード", "部局コード"]])
    assert "staff.csv:2: 所属コード 1 は所属一覧にありません" in load_directory(tmp_path).errors


def test_codes_kept_from_before_still_find_their_unit_after_a_format_change() -> None:
    # a profile or ticket saved the unit code 1; the admin has since formatted the codes 000
    from knowledge.directory import Person, RoleAssignment, Unit

    directory = Directory(
        [Unit("001", "企画課", "01", "企画部"), Unit("002", "広報課", "01", "企画部")],
        [Person("a" + UPN, "甲", "001", "主事"), Person("b" + UPN, "乙", "001", "主事")],
        [RoleAssignment("promoter", "a" + UPN, "001", None, 1),
         RoleAssignment("specialist", "b" + UPN, None, "01", 1)],
    )
    unit = directory.unit("1")
    assert unit is not None and unit.code == "001"
    assert [p.upn for p in directory.promoters("1")] == ["a" + UPN]
    assert [p.upn for p in directory.specialists("1")] == ["b" + UPN]
    assert [u.code for u in directory.department_units("1")] == ["001", "002"]
    assert [level for level, _ in directory.escalation_chain("0001")] == ["promoter", "specialist"]
    assert directory.unit("3") is None and directory.unit("X") is None


def test_an_emptied_table_file_is_an_error_not_an_organisation_without_roles(tmp_path: Path) -> None:
    for name in ("units.csv", "staff.csv"):
        write_csv(tmp_path / name, read_csv(name))
    (tmp_path / "roles.csv").write_bytes(b"")  # saved empty by mistake
    assert load_directory(tmp_path).errors == ["roles.csv: 役割の表に行が 1 つもありません"]
    write_csv(tmp_path / "roles.csv", read_csv("roles.csv")[:1])  # the header alone
    assert load_directory(tmp_path).errors == ["roles.csv: 役割の表に行が 1 つもありません"]
