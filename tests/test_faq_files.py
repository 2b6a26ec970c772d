"""Loading FAQ files in every format, and validation messages that name file and line."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge.faq import FaqEntry, FileCache, Link, load_faq, parse_enabled, parse_links
from knowledge.similar import cluster_texts, near_duplicates, similar_pairs
from knowledge.synonyms import load_synonyms

FORMATS = Path(__file__).parent / "data" / "faq_formats"


def write(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_text(text, encoding=encoding)
    return path


def by_id(entries: list[FaqEntry]) -> dict[str, FaqEntry]:
    return {e.id: e for e in entries}


# ---------------------------------------------------------------- formats


def test_directory_loads_every_format_with_cross_file_follow_ups() -> None:
    load = load_faq(FORMATS)
    assert load.errors == []
    assert load.warnings == []
    assert [p.name for p in load.files] == [
        "basic.yaml", "bom.csv", "sjis.csv", "utf8.csv", "synonyms.yaml"
    ]
    assert sorted(by_id(load.entries)) == [
        "bom-promoter", "bom-udemy", "csv-password", "csv-printer",
        "sjis-kaisou", "sjis-old", "teams-meeting", "vpn-connect",
    ]
    assert load.synonym_groups[0] == ("VPN", "リモート接続", "庁外接続")


def test_yaml_entry_fields() -> None:
    entry = by_id(load_faq(FORMATS / "basic.yaml").entries)["vpn-connect"]
    assert entry.question == "VPNに接続するにはどうすればいいですか？"
    assert entry.alternates == ("自宅から庁内ネットワークにつなぎたい", "リモート接続の方法")
    assert entry.answer.splitlines() == [
        "モバイルパソコンの「VPN接続」アイコンをダブルクリックします。",
        "つながらないときは、いったん再起動してください。",
    ]
    assert entry.tags == ("VPN", "テレワーク")
    assert entry.links == (Link("VPN接続の手引き", "https://portal.example.lg.jp/vpn"),)
    assert entry.follow_ups == ("teams-meeting", "csv-printer")
    assert str(entry.location) == "basic.yaml:3"


def test_utf8_csv_splits_multi_values_and_title_pipe_url_links() -> None:
    load = load_faq(FORMATS / "utf8.csv")
    entries = by_id(load.entries)
    printer = entries["csv-printer"]
    assert printer.alternates == ("印刷できません", "プリンタが動かない")
    assert printer.tags == ("プリンター", "印刷")
    assert printer.links == (Link("プリンターの手引き", "https://portal.example.lg.jp/printer"),)
    assert str(printer.location) == "utf8.csv:2"
    # a follow-up to an entry in another file only warns when the file is loaded alone
    assert load.errors == []
    assert load.warnings == [
        "utf8.csv:3: 関連FAQ「vpn-connect」はこのファイルにありません "
        "(FAQ フォルダのほかのファイルにあれば問題ありません)"
    ]


def test_bom_csv_with_japanese_headers_and_multiline_cells() -> None:
    entries = by_id(load_faq(FORMATS / "bom.csv").entries)
    udemy = entries["bom-udemy"]
    assert udemy.id == "bom-udemy"  # the BOM is not part of the first header
    assert udemy.alternates == ("Udemyの使い方", "eラーニングを受講したい")
    assert udemy.answer == "研修ポータルから利用申請をしてください。\n承認後にログインできます。"
    assert udemy.category == "研修"
    assert udemy.links == (
        Link("Udemy Business の案内", "https://portal.example.lg.jp/udemy"),
        Link("研修ポータル", "https://portal.example.lg.jp/kenshu"),
    )
    assert udemy.follow_ups == ("bom-promoter",)
    assert entries["bom-promoter"].enabled is True


@pytest.mark.parametrize(
    "header",
    ["番号,Q,A,キーワード", "FAQ番号,質問内容,回答内容,Keywords", "FAQ ID,質問文,回答文,タグ"],
)
def test_the_headers_admins_commonly_use_are_understood(tmp_path: Path, header: str) -> None:
    write(tmp_path, "faq.csv", f"{header}\nvpn-1,VPNにつながらない,再起動してください,VPN|接続\n")
    load = load_faq(tmp_path / "faq.csv")
    assert not load.errors and not load.warnings
    (entry,) = load.entries
    assert (entry.id, entry.question, entry.answer) == ("vpn-1", "VPNにつながらない", "再起動してください")
    assert entry.tags == ("VPN", "接続")


def test_cp932_csv_as_japanese_excel_saves_it() -> None:
    raw = (FORMATS / "sjis.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    load = load_faq(FORMATS / "sjis.csv")
    entries = by_id(load.entries)
    kaisou = entries["sjis-kaisou"]
    assert kaisou.answer.endswith("必須です①。")
    assert kaisou.alternates == ("必須研修", "髙橋さんも受けるの")
    assert kaisou.links == (
        Link("階層別研修の案内", "https://portal.example.lg.jp/kaisou"),
    )
    assert kaisou.enabled is True  # ○
    assert entries["sjis-old"].enabled is False  # いいえ


def test_xlsx_with_japanese_headers_and_a_notes_sheet(tmp_path: Path) -> None:
    wb = Workbook()
    notes = wb.active
    notes.title = "説明"
    notes.append(["この表の使い方"])
    ws = wb.create_sheet("FAQ")
    ws.append(["ID", "質問", "言い換え", "回答", "カテゴリ", "リンク", "有効"])
    ws.append(["x-1", "電子申請のやり方", "オンライン申請\n電子手続", "ポータルから申請します。",
               "手続", "電子申請の手引き https://portal.example.lg.jp/e", 1])
    ws.append([None, None, None, None, None, None, None])
    ws.append([2, "番号だけのID", None, "数値の ID も文字として読みます。", None, None, False])
    wb.save(tmp_path / "faq.xlsx")

    load = load_faq(tmp_path / "faq.xlsx")
    assert load.errors == []
    first, second = load.entries
    assert first.alternates == ("オンライン申請", "電子手続")
    assert first.links == (Link("電子申請の手引き", "https://portal.example.lg.jp/e"),)
    assert str(first.location) == "faq.xlsx [シート FAQ] 2行目"
    assert second.id == "2"
    assert second.enabled is False
    assert str(second.location) == "faq.xlsx [シート FAQ] 4行目"


def test_a_title_above_the_header_row_is_skipped(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["よくある質問一覧 (2026年12月版)"])
    ws.append([None])
    ws.append(["ID", "質問", "回答"])
    ws.append(["t-1", "VPNにつながらない", "再起動してください。"])
    wb.save(tmp_path / "faq.xlsx")
    write(tmp_path, "more.csv", "庁内FAQ,,\n\nID,質問,回答\nt-2,印刷できない,ドライバーを入れ直します。\n")

    load = load_faq(tmp_path)
    assert load.errors == [] and load.warnings == []
    first, second = load.entries
    assert str(first.location) == "faq.xlsx [シート FAQ] 4行目"
    assert (second.id, str(second.location)) == ("t-2", "more.csv:4")


def test_merged_cells_belong_to_every_row_they_cover(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["ID", "質問", "回答", "カテゴリ", "タグ"])
    ws.append(["m-1", "VPNにつながらない", "再起動してください。", "接続", "vpn"])
    ws.append(["m-2", "VPNが遅い", "有線でお試しください。", None, None])
    ws.append(["m-3", "印刷できない", "ドライバーを入れ直します。", None, None])
    ws.append(["m-4", "紙詰まり", "複合機の画面の案内に従ってください。", "印刷", None])
    ws.append(["m-5", "トナー切れ", None, None, None])
    ws.merge_cells("D2:D3")  # one category for two rows
    ws.merge_cells("C5:C6")  # one answer for two questions
    ws.merge_cells("C4:E4")  # a wide answer cell: the columns it covers stay empty
    wb.save(tmp_path / "faq.xlsx")

    load = load_faq(tmp_path / "faq.xlsx")
    assert load.errors == []
    got = {e.id: (e.answer, e.category, e.tags) for e in load.entries}
    assert got == {
        "m-1": ("再起動してください。", "接続", ("vpn",)),
        "m-2": ("有線でお試しください。", "接続", ()),
        "m-3": ("ドライバーを入れ直します。", "", ()),
        "m-4": ("複合機の画面の案内に従ってください。", "印刷", ()),
        "m-5": ("複合機の画面の案内に従ってください。", "", ()),
    }


def test_a_merge_down_the_whole_column_adds_no_rows(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "質問", "回答", "カテゴリ"])
    ws.append(["w-1", "VPNにつながらない", "再起動してください。", "接続"])
    ws.append(["w-2", "VPNが遅い", "有線でお試しください。", None])
    ws.merge_cells("D2:D500")
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path / "faq.xlsx")
    assert load.errors == []
    assert [(e.id, e.category) for e in load.entries] == [("w-1", "接続"), ("w-2", "接続")]


def network_and_mail(path: Path, *mail_head: list[str]) -> None:
    """A workbook: sheet ネットワーク (header on row 1), sheet メール (``mail_head`` rows, then
    one entry)."""
    wb = Workbook()
    wb.active.title = "ネットワーク"
    wb.active.append(["ID", "質問", "回答"])
    wb.active.append(["n-1", "VPNが遅い", "再起動してください。"])
    mail = wb.create_sheet("メール")
    for row in mail_head:
        mail.append(row)
    mail.append(["m-1", "メールが送れない", "容量を確認してください。"])
    wb.save(path)


def test_a_sheet_with_a_mistyped_header_is_an_error_not_skipped(tmp_path: Path) -> None:
    network_and_mail(tmp_path / "faq.xlsx", ["ID", "質問", "解答"])  # a typo: rows would vanish
    assert load_faq(tmp_path).errors == [
        "faq.xlsx [シート メール] 1行目: 見出しに 回答 の列がありません "
        "(見出しの誤字や抜けを確認してください。表でないシートは非表示にすると読みません)"]


def test_an_offices_bookkeeping_columns_are_read_past_quietly(tmp_path: Path) -> None:
    """A running number, notes and who changed a row when are usual beside an FAQ table: no
    warning for them (nor is the number taken as the id); a column otherwise unknown warns."""
    wb = Workbook()
    wb.active.append(["No.", "ID", "質問", "回答", "備考", "備考2", "更新日", "作成者", "所管"])
    wb.active.append([1, "q-1", "VPNが遅い", "再起動してください。", "要確認", "", "2026/11/01", "山田", "情報課"])
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert [(e.id, e.answer) for e in load.entries] == [("q-1", "再起動してください。")]
    assert load.warnings == ["faq.xlsx [シート Sheet] 2行目: 知らない項目「所管」は読み飛ばします"]


def test_text_under_no_header_is_reported_not_dropped_silently(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["ID", "質問", "回答"])
    wb.active.append(["q-1", "VPNが遅い", "再起動してください。", "それでも遅い場合はヘルプデスクへ"])
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert load.errors == []
    assert load.warnings == ["faq.xlsx [シート Sheet] 2行目: 知らない項目「D列 (見出しなし)」は読み飛ばします"]
    wb.active["D1"] = "Owner"  # named: as written, not in lower case
    wb.save(tmp_path / "faq.xlsx")
    assert load_faq(tmp_path).warnings == ["faq.xlsx [シート Sheet] 2行目: 知らない項目「Owner」は読み飛ばします"]


def test_a_titled_sheet_beside_an_untitled_one_is_read(tmp_path: Path) -> None:
    network_and_mail(tmp_path / "faq.xlsx", ["メールに関するFAQ"], ["ID", "質問", "回答"])
    load = load_faq(tmp_path)
    assert [(e.id, str(e.location)) for e in load.entries] == [
        ("n-1", "faq.xlsx [シート ネットワーク] 2行目"), ("m-1", "faq.xlsx [シート メール] 3行目")]


def test_common_yaml_mistakes_are_explained_in_japanese(tmp_path: Path) -> None:
    write(tmp_path, "faq.yaml", "entries:\n\t- id: q1\n")
    (error,) = load_faq(tmp_path).errors
    assert error.startswith("faq.yaml:2: YAML の書式エラー: 使えない文字があります (字下げにタブ文字を")
    write(tmp_path, "faq.yaml", "entries:\n  - id: q1\n    question: 注意: 再起動\n    answer: a\n")
    (error,) = load_faq(tmp_path).errors
    assert error.startswith("faq.yaml:3: YAML の書式エラー: 「:」の位置が正しくないか")
    for broken in ("entries:\n  - {id: q1, question: [\n", "entries:\n  - {id: q1\n"):
        write(tmp_path, "faq.yaml", broken)
        (error,) = load_faq(tmp_path).errors
        assert "YAML の書式エラー: " in error and ("途中で終わっています" in error or "括弧が閉じられていません" in error), error
    write(tmp_path, "faq.yaml", 'entries:\n  - id: q1\n    question: "C:\\共有\\資料"\n    answer: a\n')
    (error,) = load_faq(tmp_path).errors
    assert error.startswith('faq.yaml:3: YAML の書式エラー: "…" の中の「\\」の使い方が正しくありません')
    write(tmp_path, "faq.yaml", "entries:\n  - id: q1\n    question: *至急* VPN\n    answer: a\n")
    (error,) = load_faq(tmp_path).errors
    assert error.startswith("faq.yaml:3: YAML の書式エラー: * や & で始まる値は YAML の記号として読まれます")


_FAQ_LINES = ["entries:", "  - id: a1", "    question: VPNにつながらない", "    answer: |",
              "      再起動してください。", "      それでもだめなら連絡を。", "  - id: a2",
              "    question: パスワードを忘れた", "    answer: 窓口へ", ""]


@pytest.mark.parametrize(("line", "typed", "said"), [
    (8, "    question：パスワードを忘れた", "「キー: 値」の「：」が全角です。半角の「:」にしてください"),
    (8, "  　question: パスワードを忘れた", "字下げに全角スペースが入っています"),
    (8, "    question:パスワードを忘れた", "「:」の後に半角スペースがありません"),
    (7, "  -id: a2", "「-」の後に半角スペースがありません"),
    (9, "    answer: @窓口へ", "値が @ や ` で始まるときは、値全体を \"…\" で囲んでください"),
    (9, '    answer: "窓口" へ', "引用符で始まる値の途中で引用符が閉じています"),
    (6, "    それでもだめなら連絡を。", "「:」が見つかりません (複数行の値なら「answer: |」の次の行から"),
    (8, "   question: パスワードを忘れた", "字下げがずれています (「- 」やキーの位置を上の行とそろえてください)"),
])
def test_a_mistake_in_a_yaml_line_is_said_exactly_at_that_line(
    tmp_path: Path, line: int, typed: str, said: str
) -> None:
    lines = list(_FAQ_LINES)
    lines[line - 1] = typed
    write(tmp_path, "faq.yaml", "\n".join(lines))
    (error,) = load_faq(tmp_path).errors
    assert error.startswith(f"faq.yaml:{line}: YAML の書式エラー: ") and said in error, error


@pytest.mark.parametrize(("text", "line", "said", "not_said"), [
    # a line of an answer indented too little: the indentation is the mistake, not its 「：」
    ("entries:\n  - id: a1\n    question: Q\n    answer: |\n      窓口は次のとおりです。\n    受付時間：9時〜17時\n",
     6, "字下げ", "全角"),
    ("entries:\n  - id: a1\n    question: Q\n    answer: |\n      窓口は次のとおりです。\n    午前9:00から\n",
     6, "キーより深く字下げ", "スペースがありません"),
    ("entries:\n  - id: a1\n    question: Q\n    answer: 窓口は次のとおりです。\n  受付時間：9時〜17時\n",
     5, "字下げ", "全角"),
    ("entries:\n  - id: a1\n    question: Q\n    answer: A\n   url:https://portal.example.lg.jp/x\n",
     5, "字下げがずれています", "スペースがありません"),
    # under a key left empty: the line may be that key's text (or a key missing its space)
    ("entries:\n  - id: a1\n    question: Q\n    answer:\n    受付時間:9時から\n", 5,
     "この行が上の「answer:」の値なら、キーより深く字下げしてください", ""),
    ("entries:\n  - id: a1\n    question: Q\n    answer:\n    受付時間：9時から\n", 5, "上の「answer:」の値なら", ""),
    ("entries:\n  - id: a1\n    answer: A\n    question:Q\n", 4, "スペースがありません", "上の「"),
    # a key the file uses elsewhere is a key; the other hints are about the line's own value
    ("entries:\n  - id: a0\n    question: Q0\n    answer: A0\n  - id: a1\n    question:\n    answer:A1\n",
     7, "スペースがありません", "上の「"),
    ("entries:\n  - id: a1\n    question: Q\n    answer:\n    memo: @窓口\n", 5, "@ や `", "上の「"),
    # the same words as text of another answer's block are no key
    ("entries:\n  - id: a0\n    question: Q0\n    answer: |\n      受付時間: 9時から\n"
     "  - id: a1\n    question: Q\n    answer:\n    受付時間：9時から\n", 9, "上の「answer:」の値なら", ""),
    # an entry's first key, and a key indented with full-width spaces: libyaml notices the line after
    ("entries:\n  - id：a1\n    question: Q\n    answer: A\n", 2, "「：」が全角です", ""),
    ("entries:\n  - id: a1\n  　question: Q\n    answer: A\n", 3, "全角スペース", ""),
])
def test_a_yaml_hint_fits_the_line_it_names(
    tmp_path: Path, text: str, line: int, said: str, not_said: str
) -> None:
    write(tmp_path, "faq.yaml", text)
    (error,) = load_faq(tmp_path).errors
    assert error.startswith(f"faq.yaml:{line}: YAML の書式エラー: ") and said in error, error
    assert not not_said or not_said not in error, error


def test_a_field_that_landed_beside_the_list_is_warned_not_dropped_unsaid(tmp_path: Path) -> None:
    # indented with full-width spaces, 「category」 is a key of the file, not of the entry
    write(tmp_path, "faq.yaml", "title: 庁内FAQ\nentries:\n  - id: a1\n    question: Q\n    answer: A\n"
                                "　　category: PC\n")
    load = load_faq(tmp_path)
    assert load.errors == [] and load.entries[0].category == ""
    assert load.warnings == ["faq.yaml:6: 「category」が一覧の項目の外に書かれているため読みません "
                             "(項目のほかのキーと同じ位置まで、半角スペースで字下げしてください)"]  # not 「title」


def test_a_yaml_mistake_after_unicode_line_breaks_is_still_located(tmp_path: Path) -> None:
    # libyaml also breaks lines at NEL (U+0085), which Python's "\n" lines do not count
    write(tmp_path, "faq.yaml", "entries:\x85  - id: a1\x85    tags: [VPN\x85")
    (error,) = load_faq(tmp_path).errors
    assert error.startswith("faq.yaml:3: YAML の書式エラー: [ ] の括弧が閉じられていません"), error


def test_excel_unicode_text_utf16_with_tabs_reads(tmp_path: Path) -> None:
    text = "ID\t質問\t回答\r\nq1\tVPNが遅い\t再起動してください。\r\nq2\t印刷できない\t用紙, トナーを確認\r\n"
    (tmp_path / "faq.csv").write_bytes(text.encode("utf-16"))
    load = load_faq(tmp_path)
    assert load.errors == [] and load.warnings == []
    assert [(e.id, e.answer) for e in load.entries] == [
        ("q1", "再起動してください。"), ("q2", "用紙, トナーを確認")]


def test_a_macro_workbook_is_read_and_an_old_xls_is_reported(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["ID", "質問", "回答"])
    wb.active.append(["q1", "VPNが遅い", "再起動してください。"])
    wb.save(tmp_path / "faq.xlsm")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")  # the old binary format
    load = load_faq(tmp_path)
    assert load.errors == [] and [e.id for e in load.entries] == ["q1"]
    assert load.warnings == ["old.xls: この形式は読めないため使いません。Excel ブック (.xlsx)で保存し直してください"]


def test_ids_and_follow_ups_typed_full_width_are_the_same_ids(tmp_path: Path) -> None:
    write(tmp_path, "faq.yaml", "- {id: ＦＡＱ－００１, question: VPNが遅い, answer: 再起動, follow_ups: [FAQ-002]}\n"
                                "- {id: FAQ-002, question: VPNにつながらない, answer: 再接続, follow_ups: [ＦＡＱ－００１]}\n")
    load = load_faq(tmp_path)
    assert load.errors == [] and load.warnings == []
    assert [(e.id, e.follow_ups) for e in load.entries] == [("FAQ-001", ("FAQ-002",)), ("FAQ-002", ("FAQ-001",))]


def test_hidden_sheets_and_rows_are_left_out_and_said_so(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["ID", "質問", "回答"])
    ws.append(["q1", "VPNが遅い", "再起動してください。"])
    ws.append(["q2", "（下書き）新システム", "未公開の回答"])
    ws.row_dimensions[3].hidden = True
    draft = wb.create_sheet("作業用")
    draft.append(["ID", "質問", "回答"])
    draft.append(["d1", "来年度の新制度", "未確定の回答"])
    draft.sheet_state = "hidden"
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert load.errors == [] and [e.id for e in load.entries] == ["q1"]
    assert load.warnings == ["faq.xlsx [シート 作業用]: 非表示のシートは読みません",
                             "faq.xlsx [シート FAQ]: 非表示の行 (3 行目) は読みません"]


def test_only_a_sheet_named_as_an_example_is_left_out(tmp_path: Path) -> None:
    wb = Workbook()
    for title, row in (("活用事例", ["e-1", "RPAの事例", "庁内の事例集をご覧ください。"]),
                       ("記入例", ["x-1", "（例）質問", "（例）回答"]),
                       ("サンプル2", ["x-2", "（例）質問", "（例）回答"])):
        ws = wb.create_sheet(title)
        ws.append(["ID", "質問", "回答"])
        ws.append(row)
    del wb["Sheet"]
    wb.save(tmp_path / "faq.xlsx")
    assert [e.id for e in load_faq(tmp_path).entries] == ["e-1"]


def test_a_titled_example_sheet_beside_the_table_is_not_read(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["ID", "質問", "回答"])
    ws.append(["t-1", "VPNにつながらない", "再起動してください。"])
    example = wb.create_sheet("記入例")
    example.append(["このように書いてください"])
    example.append([None])
    example.append(["ID", "質問", "回答"])
    example.append(["t-1", "（例）質問", "（例）回答"])
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path / "faq.xlsx")
    assert load.errors == [] and [e.question for e in load.entries] == ["VPNにつながらない"]


def test_a_csv_error_near_the_top_names_its_line(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "ID,質問,回答\nt-1,q,a\nt-2,q," + "x" * 140_000 + "\n")
    load = load_faq(tmp_path / "faq.csv")
    assert len(load.errors) == 1 and load.errors[0].startswith("faq.csv:3: CSV の書式エラー")


def test_without_a_header_row_the_first_row_is_the_header_and_errors_say_so(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "番号,問い,答\n1,VPN,再起動\n")
    assert load_faq(tmp_path / "faq.csv").errors == [
        "faq.csv:1: 見出しに 回答 の列がありません (見出しの誤字や抜けを確認してください)"
    ]
    write(tmp_path, "faq.csv", "VPN,再起動\n印刷,用紙\n")  # no header at all
    assert load_faq(tmp_path / "faq.csv").errors == [
        "faq.csv: 見出し行 (ID・質問・回答) が見つかりません (先頭 30 行を探しました)"
    ]


def test_enabled_values() -> None:
    for value in (True, None, "", "はい", "有効", "○", "TRUE", "yes", 1, "する", "公開", "掲載"):
        assert parse_enabled(value) is True, value
    for value in (False, "いいえ", "無効", "×", "false", "No", 0, "しない", "非公開", "非掲載"):
        assert parse_enabled(value) is False, value
    for value in ("たぶん", 2, "maybe"):
        assert parse_enabled(value) is None, value


def test_link_formats() -> None:
    links, problems = parse_links("手引き https://a.example/x\n資料 集|https://b.example/y")
    assert problems == []
    assert links == [Link("手引き", "https://a.example/x"), Link("資料 集", "https://b.example/y")]
    links, problems = parse_links([{"title": "t", "url": "ftp://a.example"}, "https://b.example"])
    assert links == [Link("https://b.example", "https://b.example")]  # a bare URL shows as it is
    assert problems == ["リンク「t ftp://a.example」の URL は http:// か https:// で始めてください"]


@pytest.mark.parametrize(
    "written",
    [
        "手引き：https://a.example/x",  # a full-width colon, as Japanese is written
        "手引き: https://a.example/x",
        "手引き（https://a.example/x）",
        "手引き(https://a.example/x)",
        "https://a.example/x 手引き",  # the address first
        "手引き https://a.example/x。",  # the end of a sentence is not part of the address
    ],
)
def test_a_link_written_the_ways_people_write_it(written: str) -> None:
    assert parse_links(written) == ([Link("手引き", "https://a.example/x")], [])


def test_an_address_typed_full_width_says_so() -> None:
    assert parse_links("手引き ｈｔｔｐｓ：／／ａ.ｅｘａｍｐｌｅ／ｘ") == (
        [], ["リンク「手引き ｈｔｔｐｓ：／／ａ.ｅｘａｍｐｌｅ／ｘ」の URL が全角で書かれています。半角で書いてください"])


def test_an_address_keeps_its_own_brackets_and_japanese() -> None:
    links, problems = parse_links("解説 https://ja.wikipedia.org/wiki/Python_(言語)\nhttps://portal.example/手順書.pdf 手順書")
    assert problems == [] and [link.url for link in links] == [
        "https://ja.wikipedia.org/wiki/Python_(言語)", "https://portal.example/手順書.pdf"]


@pytest.mark.parametrize(
    "written",
    ["手順 https://a.example/a https://a.example/b", "https://a.example/a, https://a.example/b",
     "https://a.example/a、https://a.example/b", "https://a.example/a,https://a.example/b",
     "https://a.example/a。https://a.example/b", "https://a.example/a（https://a.example/b）"],
)
def test_two_addresses_on_one_line_are_an_error_not_a_lost_link(written: str) -> None:
    links, (problem,) = parse_links(written)
    assert not links and problem.startswith(f"リンク「{written}」に URL が 2 つ以上あります。リンクは 1 行に 1 つずつ")


@pytest.mark.parametrize(
    ("written", "title", "url"),
    [
        ("手引き（PDF） https://a.example/x", "手引き（PDF）", "https://a.example/x"),  # Excel: text, then its link
        ("【重要】「Teams」の使い方 https://a.example/x", "【重要】「Teams」の使い方", "https://a.example/x"),
        ("手順 https://a.example/手順書（最新版）.pdf", "手順", "https://a.example/手順書（最新版）.pdf"),
        ("検索 https://a.example/?q=a|b", "検索", "https://a.example/?q=a|b"),
        ("転送 https://a.example/url?q=https://portal.example/x", "転送", "https://a.example/url?q=https://portal.example/x"),
        ('手引き "https://a.example/x"', "手引き", "https://a.example/x"),
        ("https://a.example/x.", "https://a.example/x", "https://a.example/x"),
        ("https://a.example/x|手引き", "手引き", "https://a.example/x"),
        ("https://a.example/x|PDF", "PDF", "https://a.example/x"),  # a | outside the query ends it
        ("https://a.example/kitei.pdf｜就業規則", "就業規則", "https://a.example/kitei.pdf"),
        ("申請書 https://a.example/form?id=5|PDF版", "申請書 PDF版", "https://a.example/form?id=5"),
        ("規程 https://a.example/SitePages/規程（2024年度）", "規程", "https://a.example/SitePages/規程（2024年度）"),
        ("申請フォーム：https://a.example/form。締切は金曜です", "申請フォーム 締切は金曜です", "https://a.example/form"),
        ("手引き（https://a.example/x）参照", "手引き 参照", "https://a.example/x"),
        ("https://a.example/manual.pdf（PDF, 2MB）", "（PDF, 2MB）", "https://a.example/manual.pdf"),
        ("https://a.example/manual.pdf【必読】", "【必読】", "https://a.example/manual.pdf"),
        ("・手引き https://a.example/x…", "手引き", "https://a.example/x"),
        ("保存版 https://web.archive.org/web/2024/https://a.example/x", "保存版",
         "https://web.archive.org/web/2024/https://a.example/x"),
    ],
)
def test_titles_keep_their_brackets_and_addresses_keep_what_is_theirs(written: str, title: str, url: str) -> None:
    assert parse_links(written) == ([Link(title, url)], [])


def test_file_cache_rereads_only_changed_files(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", "id,question,answer\na,質問A,回答A\n")
    b = write(tmp_path, "b.csv", "id,question,answer\nb,質問B,回答B\n")
    cache = FileCache()
    first = load_faq(tmp_path, cache=cache)
    write(tmp_path, "b.csv", "id,question,answer\nb,質問B,新しい回答\n")
    second = load_faq(tmp_path, cache=cache)
    assert by_id(second.entries)["b"].answer == "新しい回答"
    # the unchanged file's entries are the very same objects
    assert by_id(second.entries)["a"] is by_id(first.entries)["a"]
    # a file moved away is forgotten (its entries are not held): put back, it is read again
    b.unlink()
    assert "b" not in by_id(load_faq(tmp_path, cache=cache).entries)
    write(tmp_path, "b.csv", "id,question,answer\nb,質問B,新しい回答\n")
    assert by_id(load_faq(tmp_path, cache=cache).entries)["b"] is not by_id(second.entries)["b"]


def test_an_edited_file_builds_again_only_its_changed_rows(tmp_path: Path) -> None:
    header = "id,question,answer,links\n"
    rows = ["a,質問A,回答A,", "b,質問B,回答B,", "c,質問C,回答C,手引き ftp://x.example/c", "d,質問D,回答D,"]
    write(tmp_path, "faq.csv", header + "\n".join(rows) + "\n")
    cache = FileCache()
    first = load_faq(tmp_path, cache=cache)
    assert first.errors == ["faq.csv:4: リンク「手引き ftp://x.example/c」の URL は http:// か https:// で始めてください"]
    rows[1] = "b,質問B,新しい回答B,"
    write(tmp_path, "faq.csv", header + "\n".join(rows) + "\n")
    second = load_faq(tmp_path, cache=cache)
    assert by_id(second.entries)["b"].answer == "新しい回答B"
    assert by_id(second.entries)["a"] is by_id(first.entries)["a"]  # the rows left as they were
    assert by_id(second.entries)["d"] is by_id(first.entries)["d"]
    assert second.errors == first.errors  # an unchanged row's mistake is still reported
    # a row added at the top moves the others down: each is found on its new line
    write(tmp_path, "faq.csv", header + "\n".join(["z,質問Z,回答Z,", *rows]) + "\n")
    third = load_faq(tmp_path, cache=cache)
    assert [(e.id, e.location.line) for e in third.entries] == [("z", 2), ("a", 3), ("b", 4), ("d", 6)]
    assert third.errors == ["faq.csv:5: リンク「手引き ftp://x.example/c」の URL は http:// か https:// で始めてください"]


def test_an_edited_large_yaml_file_builds_again_only_its_changed_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge import yaml_edits

    monkeypatch.setattr(yaml_edits, "REMEMBER_CHARS", 0)  # splice edits as for a large file

    def text(answers: dict[str, str], first: str = "") -> str:
        return "entries:\n" + first + "".join(
            f"  - id: {k}\n    question: 質問{k}\n    answer: {v}\n    tags: [{k}, タグ]\n"
            f"    links:\n      - title: 手引き\n        url: https://x.example/{k}\n"
            for k, v in answers.items()
        )

    answers = {k: f"回答{k}" for k in "abcdefgh"}
    write(tmp_path, "faq.yaml", text(answers))
    cache = FileCache()
    first = by_id(load_faq(tmp_path, cache=cache).entries)
    answers["e"] = "新しい回答"
    write(tmp_path, "faq.yaml", text(answers))
    second = by_id(load_faq(tmp_path, cache=cache).entries)
    assert second["e"].answer == "新しい回答"
    assert all(second[k] is first[k] for k in "abcdfgh")
    # an item added before them moves them all: their lines are where they now are
    write(tmp_path, "faq.yaml", text(answers, "  - id: new\n    question: 新しい質問\n    answer: 回答\n"))
    third = by_id(load_faq(tmp_path, cache=cache).entries)
    assert [third[k].location.line for k in "ab"] == [5, 12]  # were 2 and 9
    assert third["a"].links == first["a"].links and third["e"].answer == "新しい回答"


def test_a_value_changed_to_one_that_compares_equal_is_read_again(tmp_path: Path) -> None:
    # the same moment in two time zones: equal as datetimes, shown differently
    def write_category(value: str) -> None:
        write(tmp_path, "faq.yaml", f"entries:\n  - id: a\n    question: 質問\n    answer: 回答\n    category: {value}\n")

    cache = FileCache()
    write_category("2026-01-01 10:00:00+09:00")
    load_faq(tmp_path, cache=cache)
    write_category("2026-01-01 01:00:00+00:00")
    assert load_faq(tmp_path, cache=cache).entries[0].category == load_faq(tmp_path).entries[0].category



@pytest.mark.parametrize("saved_back", [False, True], ids=["broken save", "broken save, then undone"])
def test_a_save_landing_while_a_file_is_read_is_not_remembered_as_the_earlier_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved_back: bool
) -> None:
    import os

    import knowledge.faq as faq

    good = "id,question,answer\na,質問A,回答A\nb,質問B,回答B\n"
    broken = "id,question,answer\na,質問A,\n"
    path = write(tmp_path, "faq.csv", good)
    os.utime(path, (1_700_000_000, 1_700_000_000))  # saved a while ago
    cache = FileCache()
    read = faq.read_records

    def saved_meanwhile(file: Path, *args: object, **kwargs: object) -> object:
        write(tmp_path, "faq.csv", broken)  # the admin's next save, between hashing and reading
        try:
            return read(file, *args, **kwargs)
        finally:
            if saved_back:  # and at once 「元に戻す」, while it was being read
                write(tmp_path, "faq.csv", good)

    monkeypatch.setattr(faq, "read_records", saved_meanwhile)
    assert load_faq(tmp_path, cache=cache).errors  # the broken text was read
    monkeypatch.setattr(faq, "read_records", read)
    write(tmp_path, "faq.csv", good)  # undone: the good text again
    again = load_faq(tmp_path, cache=cache)
    assert again.errors == [] and sorted(by_id(again.entries)) == ["a", "b"]


# ---------------------------------------------------------------- validation errors


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "entries:\n  - id: dup\n    question: 質問1\n    answer: 回答1\n")
    write(tmp_path, "b.csv", "id,question,answer\nok,質問2,回答2\ndup,質問3,回答3\n")
    load = load_faq(tmp_path)
    assert load.errors == ["b.csv:3: ID「dup」が重複しています (最初の定義: a.yaml:2)"]
    assert not load.ok


def test_missing_required_fields(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "ID,質問,回答\na,質問,回答\nb,,\n,質問だけ,回答\n")
    assert load_faq(tmp_path).errors == [
        "faq.csv:3: 必須項目 質問・回答 が空です",
        "faq.csv:4: 必須項目 ID が空です",
    ]


def test_missing_required_column_in_xlsx_names_sheet_and_row(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "一覧"
    ws.append(["ID", "質問", "回答"])
    ws.append(["a", "質問", None])
    wb.save(tmp_path / "faq.xlsx")
    assert load_faq(tmp_path).errors == ["faq.xlsx [シート 一覧] 2行目: 必須項目 回答 が空です"]


def test_unknown_follow_up_and_bad_id(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.yaml",
        "entries:\n"
        "  - id: a\n    question: 質問\n    answer: 回答\n    follow_ups: [b, nothing]\n"
        "  - id: b\n    question: 質問B\n    answer: 回答B\n"
        "  - id: bad id\n    question: 質問C\n    answer: 回答C\n"
        f"  - id: {'x' * 129}\n    question: 質問D\n    answer: 回答D\n",
    )
    assert load_faq(tmp_path).errors == [
        "faq.yaml:9: ID「bad id」に空白や | , は使えません (英数字と - _ を使ってください)",
        "faq.yaml:12: ID「xxxxxxxxxxxxxxxxxxxx…」が長すぎます (129 文字。128 文字以内にしてください)",
        "faq.yaml:2: 関連FAQ「nothing」という ID はありません",
    ]


def test_a_synonym_group_written_as_one_line_of_text_is_its_words(tmp_path: Path) -> None:
    # 「- パワポ, PowerPoint」 without brackets is one YAML string: the admin meant the words
    path = write(tmp_path, "synonyms.yaml", "- パワポ, PowerPoint, パワーポイント\n- エクセル、Excel\n- [Teams, チームズ]\n")
    load = load_synonyms(path)
    assert [g.terms for g in load.groups] == [("パワポ", "PowerPoint", "パワーポイント"), ("エクセル", "Excel"),
                                               ("Teams", "チームズ")]
    assert not load.errors and not load.warnings


def test_tags_written_as_a_mapping_are_an_error_not_a_strange_tag(tmp_path: Path) -> None:
    write(tmp_path, "faq.yaml", "entries:\n  - id: a\n    question: 質問\n    answer: 回答\n    tags: {a: 1}\n"
                                "  - id: b\n    question: 質問B\n    answer: 回答B\n    alternates: [[言い換え]]\n")
    assert load_faq(tmp_path).errors == [
        "faq.yaml:2: タグ が入れ子の一覧や「キー: 値」の形になっています。言葉を「- 」で 1 行に 1 つずつ書いてください",
        "faq.yaml:6: 言い換え が入れ子の一覧や「キー: 値」の形になっています。言葉を「- 」で 1 行に 1 つずつ書いてください",
    ]


def test_a_file_that_cannot_be_read_is_the_one_error_not_every_follow_up_to_it(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", "id,question,answer,follow_ups\na,質問A,回答A,b\nc,質問C,回答C,nothing\n")
    write(tmp_path, "b.yaml", "entries:\n  - id: b\n    question: [broken\n")
    load = load_faq(tmp_path)
    assert len(load.errors) == 1 and load.errors[0].startswith("b.yaml:")
    assert "a.csv:2: 関連FAQ「b」が見つかりません (読み込めなかったファイルにあるなら、そのファイルを直せば解消します)" in load.warnings
    write(tmp_path, "b.yaml", "entries:\n  - id: b\n    question: 質問B\n    answer: 回答B\n")
    assert load_faq(tmp_path).errors == ["a.csv:3: 関連FAQ「nothing」という ID はありません"]  # an error again


def test_malformed_links(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.csv",
        "id,question,answer,links\n"
        "a,質問A,回答A,https://portal.example.lg.jp/only-url\n"
        "b,質問B,回答B,手引き javascript:alert(1)\n"
        "c,質問C,回答C,タイトルだけ\n"
        "d,質問D,回答D,問い合わせ mailto:helpdesk@pref.example.lg.jp\n",
    )
    assert load_faq(tmp_path).errors == [
        "faq.csv:3: リンク「手引き javascript:alert(1)」の URL は http:// か https:// で始めてください",
        "faq.csv:4: リンク「タイトルだけ」に URL がありません",
        "faq.csv:5: リンク「問い合わせ mailto:helpdesk@pref.example.lg.jp」: メールアドレスはリンクの"
        "ボタンにできません (Teams で開けません)。回答の本文に書いてください",
    ]


def test_bad_enabled_value(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer,有効\na,質問,回答,たぶん\n")
    assert load_faq(tmp_path).errors == [
        "faq.csv:2: 有効 (enabled) の値「たぶん」が読めません (はい/いいえ、true/false のどれかにしてください)"
    ]


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    write(tmp_path, "faq.yaml", "entries:\n  - id: a\n    question: [閉じていない\n    answer: x\n")
    errors = load_faq(tmp_path).errors
    assert len(errors) == 1
    assert errors[0].startswith("faq.yaml:3: YAML の書式エラー")  # where the bracket opened
    # what was left open is named where it opened, not where the parser gave up (the end)
    rest = "".join(f"  - id: q{k}\n    question: 質問{k}\n    answer: 回答\n" for k in range(5))
    for line in ('    question: "閉じていない', "    question: '閉じていない", "    question 「:」がない"):
        write(tmp_path, "faq.yaml", f"entries:\n  - id: a\n{line}\n    answer: x\n{rest}")
        (error,) = load_faq(tmp_path).errors
        assert error.startswith("faq.yaml:3: YAML の書式エラー"), error


def test_csv_row_with_extra_columns(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答,余分\n")
    assert load_faq(tmp_path).errors == [
        'faq.csv:2: 見出しより列が多い行です (値にカンマを含むときは、値全体を "…" で囲んでください)'
    ]


def test_unknown_column_and_disabled_follow_up_are_warnings(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.csv",
        "id,question,answer,anwser,follow_ups,enabled\n"
        "a,VPNの質問,回答,,b,\nb,Teamsの質問,回答,,,いいえ\n",
    )
    load = load_faq(tmp_path)
    assert load.errors == []
    assert load.warnings == [
        "faq.csv:2: 知らない項目「anwser」は読み飛ばします",
        "faq.csv:2: 関連FAQ「b」は無効になっています",
    ]


def test_empty_directory_and_missing_path(tmp_path: Path) -> None:
    assert load_faq(tmp_path).errors == [
        f"{tmp_path}: FAQ のファイル (.yaml / .csv / .xlsx) がありません"
    ]
    missing = tmp_path / "nothing"
    assert load_faq(missing).errors == [f"{missing}: FAQ のファイルまたはフォルダが見つかりません"]


# ---------------------------------------------------------------- synonyms


def test_synonym_collisions_and_empty_groups(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "synonyms.yaml",
        "groups:\n"
        "  - [VPN, リモート接続]\n"
        "  - []\n"
        "  - [Teams, チームズ]\n"
        "  - - ＶＰＮ\n"  # full-width: the same term as VPN after folding
        "    - 庁外接続\n"
        "  - [単独]\n"
        "  - [チャット, チャット]\n"
        "  - [プリンター, プリンタ]\n"  # spellings the normaliser folds alike: fine
        "  - [在宅勤務, テレワーク]\n"
        "  - [在宅, リモート接続]\n",  # リモート接続 is in the VPN group already
    )
    load = load_synonyms(path)
    assert load.errors == ["synonyms.yaml:3: 同義語のグループが空です"]
    assert load.warnings == [
        "synonyms.yaml:8: 「チャット」が同じグループに 2 回あります",
        "synonyms.yaml:11: 「リモート接続」は別のグループ (synonyms.yaml:2) にもあるので、そちらだけに入れます",
        "synonyms.yaml:7: 「単独」だけのグループで、言い換えがありません。同じ意味の言葉を同じグループに並べてください (1 語だけでは、この言葉の一部がほかの言葉に置き換わらないようにするだけです)",
        "synonyms.yaml:8: 「チャット」だけのグループで、言い換えがありません。同じ意味の言葉を同じグループに並べてください (1 語だけでは、この言葉の一部がほかの言葉に置き換わらないようにするだけです)",
        "synonyms.yaml:11: 「在宅」だけのグループで、言い換えがありません。同じ意味の言葉を同じグループに並べてください (1 語だけでは、この言葉の一部がほかの言葉に置き換わらないようにするだけです)",
    ]
    # ＶＰＮ is VPN (after folding): its group adds to VPN's
    assert [g.terms for g in load.groups][:2] == [("VPN", "リモート接続", "庁外接続"), ("Teams", "チームズ")]
    assert [g.terms for g in load.groups][-3:] == [
        ("プリンター", "プリンタ"), ("在宅勤務", "テレワーク"), ("在宅",)
    ]


def test_synonym_mapping_layout(tmp_path: Path) -> None:
    path = write(tmp_path, "synonyms.yaml", "VPN: [リモート接続]\n申込:\n  - 申し込み\n  - 申請\n")
    load = load_synonyms(path)
    assert load.errors == []
    assert [g.terms for g in load.groups] == [("VPN", "リモート接続"), ("申込", "申し込み", "申請")]


def test_synonym_errors_block_the_faq(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答\n")
    write(tmp_path, "synonyms.yaml", "groups:\n  - [A, B]\n  - [C, {D: E}]\n")
    load = load_faq(tmp_path)
    assert load.errors == ["synonyms.yaml:3: 同義語は文字で書いてください"]
    assert [e.id for e in load.entries] == ["a"]  # synonyms.yaml is not read as FAQ entries


def test_synonyms_kept_in_excel_are_read_and_used(tmp_path: Path) -> None:
    from knowledge.matcher import Matcher

    write(tmp_path, "faq.csv", "id,question,answer\npc,パソコンが起動しない,電源を確認\n")
    wb = Workbook()
    ws = wb.active
    ws.title = "表記ゆれ"
    for row in (["代表語", "言い換え", "言い換え2", "メモ"],
                ["パソコン", "PC、ノート端末|マシン", "PCさん", "よく使う"],
                ["申込", "申し込み\n申込み", None, None],
                ["パソコン", "パーソナルコンピューター", None, "同じ代表語の行は 1 つのグループ"],
                ["テレワーク、在宅勤務", None, "リモートワーク", None],  # several in 代表語
                [None, "会計年度任用職員", "会計年度", None]):  # no 代表語
        ws.append(row)
    wb.save(tmp_path / "同義語リスト.xlsx")
    load = load_faq(tmp_path)
    assert load.errors == []
    assert load.warnings == ["同義語リスト.xlsx [シート 表記ゆれ] 6行目: 代表語が空なので、「会計年度任用職員」を代表語にしました"]
    assert load.synonym_groups == [
        ("パソコン", "PC", "ノート端末", "マシン", "PCさん", "パーソナルコンピューター"),
        ("申込", "申し込み", "申込み"),
        ("テレワーク", "在宅勤務", "リモートワーク"),
        ("会計年度任用職員", "会計年度"),
    ]
    assert [e.id for e in load.entries] == ["pc"]  # the synonym workbook is not an FAQ file
    matcher = Matcher.build(load.entries, load.synonym_groups)
    assert matcher.match("マシンが起動しない").candidates[0].entry.id == "pc"


def test_a_synonym_in_two_rows_of_a_shift_jis_csv_is_a_warning_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答\n")
    write(tmp_path, "表記ゆれ.csv", "代表語,言い換え\nVPN,リモート接続\n庁外接続,ＶＰＮ\n", "cp932")
    load = load_faq(tmp_path)
    assert load.errors == []  # one slip in the dictionary does not stop the FAQ
    assert load.warnings == [
        "表記ゆれ.csv:3: 「ＶＰＮ」は別のグループ (表記ゆれ.csv:2) にもあるので、そちらだけに入れます",
        "表記ゆれ.csv:3: 「庁外接続」だけのグループで、言い換えがありません。同じ意味の言葉を同じグループに並べてください (1 語だけでは、この言葉の一部がほかの言葉に置き換わらないようにするだけです)",
    ]
    assert load.synonym_groups == [("VPN", "リモート接続"), ("庁外接続",)]


def test_a_row_naming_a_word_of_an_earlier_group_adds_to_that_group(tmp_path: Path) -> None:
    path = write(tmp_path, "同義語.csv",
                 "代表語,言い換え,略称,メモ\n"
                 "PC,パソコン,,\n"
                 "パソコン,端末、ノートPC,ノーパソ,\n"  # パソコン is PC's: one group
                 ",,,旧: 端末の行は削除\n")  # a note alone is no group
    load = load_synonyms(path)
    assert load.errors == []
    assert load.warnings == [
        "同義語.csv:3: 「パソコン」は 同義語.csv:2 のグループにあるので、この行の言葉もそのグループ "
        "(代表語「PC」) に入れます"
    ]
    assert [g.terms for g in load.groups] == [("PC", "パソコン", "端末", "ノートPC", "ノーパソ")]


def test_dictionary_rows_meet_as_the_term_folder_compares_them(tmp_path: Path) -> None:
    path = write(tmp_path, "同義語.csv",
                 "代表語,言い換え\n申込,申し込み\n申込み,エントリー\n"  # 申込み is 申込 (okurigana)
                 "パソコン,PC\nPC,パソコン、端末\n"  # a row joining a group may repeat its words
                 "ー,～\n"  # nothing left after folding: no group, and said so
                 "Wi-Fi\n無線LAN,Ｗｉ－Ｆｉ\n")  # a word alone, then named in a later row: one group
    load = load_synonyms(path)
    assert [g.terms for g in load.groups] == [
        ("申込", "申し込み", "エントリー"), ("パソコン", "PC", "端末"), ("Wi-Fi", "無線LAN")]
    assert load.warnings == [  # 申込み is how 申し込み compares
        "同義語.csv:3: 「申込み」は 同義語.csv:2 のグループにあるので、この行の言葉もそのグループ (代表語「申込」) に入れます",
        "同義語.csv:5: 「PC」は 同義語.csv:4 のグループにあるので、この行の言葉もそのグループ (代表語「パソコン」) に入れます",
        "同義語.csv:6: 「ー、～」には照合に使える文字がないので読み飛ばします",
        "同義語.csv:8: 「Ｗｉ－Ｆｉ」は 同義語.csv:7 のグループにあるので、この行の言葉もそのグループ (代表語「Wi-Fi」) に入れます",
    ]


def test_a_dictionary_saved_empty_is_an_error_not_a_dictionary_gone(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答\n")
    (tmp_path / "同義語.csv").write_bytes(b"")
    assert load_faq(tmp_path).errors == [
        "同義語.csv: ファイルが空です (0 バイト)。辞書を書いて保存し直すか、要らなければ削除してください"]


def test_dictionary_variants_may_fill_several_columns_of_one_name(tmp_path: Path) -> None:
    write(tmp_path, "同義語.csv", "代表語,言い換え,言い換え,言い換え,メモ\nパソコン,PC,端末,ノートPC,\n")
    assert [g.terms for g in load_synonyms(tmp_path / "同義語.csv").groups] == [
        ("パソコン", "PC", "端末", "ノートPC")]
    wb = Workbook()
    ws = wb.active
    ws.append(["代表語", "言い換え", None, None, "メモ"])
    ws.merge_cells("B1:D1")  # one header over three columns, as admins lay it out
    ws.append(["テレワーク", "在宅勤務", "リモートワーク", "在宅", "古い呼び方も"])
    wb.save(tmp_path / "表記ゆれ.xlsx")
    load = load_synonyms(tmp_path / "表記ゆれ.xlsx")
    assert (load.errors, load.warnings) == ([], [])
    assert [g.terms for g in load.groups] == [("テレワーク", "在宅勤務", "リモートワーク", "在宅")]
    ws["B1"] = "言い換え（複数可）"  # a header with a note, merged: its copies are variants too
    wb.save(tmp_path / "表記ゆれ.xlsx")
    load = load_synonyms(tmp_path / "表記ゆれ.xlsx")
    assert (load.errors, load.warnings) == ([], [])
    assert [g.terms for g in load.groups] == [("テレワーク", "在宅勤務", "リモートワーク", "在宅")]
    write(tmp_path, "同義語.csv", "代表語,別名①,別名①,言い換え(複数可),言い換え(複数可),メモ,メモ,種別,種別\n"
                                  "パソコン,PC,端末,ノートPC,ノーパソ,古い,新しい,IT,機器\n")
    load = load_synonyms(tmp_path / "同義語.csv")
    assert (load.errors, load.warnings) == ([], ["同義語.csv:2: 知らない項目「種別」は読み飛ばします"])  # once
    assert [g.terms for g in load.groups] == [("パソコン", "PC", "端末", "ノートPC", "ノーパソ")]
    (tmp_path / "faq").mkdir()
    faq = write(tmp_path / "faq", "faq.csv", "id,質問,質問,回答\na,質問,別の質問,回答\n")  # an FAQ field: still an error
    assert load_faq(faq).errors == [
        "faq.csv:1: 見出し「質問」と「質問」は同じ項目です。どちらか 1 列にしてください"]


def test_yaml_dictionary_keys_read_as_the_table_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "synonyms.yaml",
                 "- 代表語: パソコン\n  言い換え: [PC]\n  略称: [パソ]\n  メモ: 古い端末も\n  Kind: IT\n")
    load = load_synonyms(path)
    assert [g.terms for g in load.groups] == [("パソコン", "PC", "パソ")]
    assert load.warnings == ["synonyms.yaml:5: 知らない項目「Kind」は読み飛ばします"]
    single = write(tmp_path, "同義語.yaml", "代表語: パソコン\n言い換え: [PC]\n")  # no 「- 」
    assert [g.terms for g in load_synonyms(single).groups] == [("パソコン", "PC")]
    # a mapping of canonical terms in which 代表語 or 用語 is one of the terms stays one
    mapping = write(tmp_path, "表記ゆれ.yaml", "VPN: [リモート接続]\n用語: [ことば, ワード]\n代表語: [代表]\n")
    assert [g.terms for g in load_synonyms(mapping).groups] == [
        ("VPN", "リモート接続"), ("用語", "ことば", "ワード"), ("代表語", "代表")
    ]
    listed = write(tmp_path, "類義語.yaml", "代表語: 注意\ngroups: [[VPN, リモート接続]]\n")
    assert [g.terms for g in load_synonyms(listed).groups] == [("VPN", "リモート接続")]


@pytest.mark.parametrize(
    ("name", "dictionary"),
    [("同義語.xlsx", True), ("表記ゆれ辞書.csv", True), ("同義語リスト.yaml", True), ("Synonyms.CSV", True),
     ("同義語 - コピー.xlsx", False), ("表記ゆれ対策FAQ.yaml", False), ("faq.csv", False)],
)
def test_which_files_are_the_synonym_dictionary(name: str, dictionary: bool) -> None:
    from knowledge.synonyms import is_synonym_file

    assert is_synonym_file(Path(name)) is dictionary


def test_two_synonym_files_are_an_error_not_a_silent_choice(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答\n")
    write(tmp_path, "synonyms.yaml", "groups:\n  - [A, B]\n")
    write(tmp_path, "同義語.csv", "代表語,言い換え\nC,D\n")
    load = load_faq(tmp_path)
    assert load.errors == [
        f"{tmp_path}: 表記ゆれ辞書のファイルが複数あります (synonyms.yaml、同義語.csv)。1 つにまとめてください"
    ]
    faq = load_faq(tmp_path / "faq.csv")  # the message names the folder for a single file too
    assert faq.errors == [load.errors[0]]


def test_a_synonym_sheet_inside_the_faq_workbook_is_pointed_out(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["ID", "質問", "回答"])
    wb.active.append(["pc", "パソコンが起動しない", "電源を確認"])
    sheet = wb.create_sheet("同義語")
    sheet.append(["代表語", "言い換え"])
    sheet.append(["パソコン", "PC"])
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert load.errors == [] and [e.id for e in load.entries] == ["pc"]
    assert load.warnings == [
        "faq.xlsx [シート 同義語]: 表記ゆれ辞書はこのブックからは読みません。"
        "別のファイル (「同義語.xlsx」など) にして FAQ と同じフォルダに置いてください"
    ]


def test_a_copy_of_the_dictionary_in_the_faq_folder_is_named_as_such(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答\n")
    write(tmp_path, "同義語.csv", "代表語,言い換え\nパソコン,PC\n")
    write(tmp_path, "同義語 - コピー.csv", "代表語,言い換え\nパソコン,PC\n")
    (error,) = load_faq(tmp_path).errors
    assert error.startswith("同義語 - コピー.csv")
    assert error.endswith("(表記ゆれ辞書の写しなら FAQ のフォルダから移してください。辞書として読むファイルは"
                          "「同義語.xlsx」のような名前の 1 つだけです)")


def test_an_faq_file_about_synonyms_gets_no_copy_hint(tmp_path: Path) -> None:
    write(tmp_path, "同義語の使い方FAQ.csv", "id,question\nq1,質問だけ\n")
    (error,) = load_faq(tmp_path).errors
    assert error.startswith("同義語の使い方FAQ.csv") and "写し" not in error


def test_the_dictionary_can_be_checked_on_its_own(tmp_path: Path) -> None:
    from knowledge.cli import main

    path = write(tmp_path, "同義語.csv", "代表語,言い換え\nパソコン,PC|端末\nマシン,PC\n")
    out = io.StringIO()
    assert main(["validate", "--faq", str(path)], out=out) == 0
    assert out.getvalue().splitlines() == [
        "警告: 同義語.csv:3: 「PC」は別のグループ (同義語.csv:2) にもあるので、そちらだけに入れます",
        "警告: 同義語.csv:3: 「マシン」だけのグループで、言い換えがありません。同じ意味の言葉を同じグループに並べてください (1 語だけでは、この言葉の一部がほかの言葉に置き換わらないようにするだけです)",
        "表記ゆれ辞書 同義語.csv: 同義語グループ 2 件、エラー 0 件、警告 2 件",
    ]
    # the bot (or any other command) pointed at the dictionary gets no FAQ, and says why
    assert load_faq(path).errors == ["同義語.csv は表記ゆれ辞書です。FAQ のファイルかフォルダを指定してください"]


def test_a_single_faq_file_uses_the_synonym_table_beside_it(tmp_path: Path) -> None:
    faq = write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答\n")
    write(tmp_path, "類義語.csv", "用語,別名\nパソコン,PC\n")
    load = load_faq(faq)
    assert load.errors == [] and load.synonym_groups == [("パソコン", "PC")]
    assert load.files == [faq, tmp_path / "類義語.csv"]


def test_a_synonym_table_without_its_column_says_which(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答\n")
    write(tmp_path, "同義語.csv", "言葉,説明\nPC,パソコンのこと\n")
    load = load_faq(tmp_path)
    assert len(load.errors) == 1 and load.errors[0].startswith("同義語.csv")
    assert "代表語" in load.errors[0]


# ---------------------------------------------------------------- near duplicates


def test_near_duplicate_entries_warn_with_both_locations(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.csv",
        "id,question,answer,alternates\n"
        "a,Teamsの会議を予約したい,回答A,\n"
        "b,研修の申込方法,回答B,Ｔｅａｍｓ会議を予約したい\n"
        "c,プリンターの設定,回答C,\n",
    )
    load = load_faq(tmp_path)
    assert load.errors == []
    assert len(load.warnings) == 1
    warning = load.warnings[0]
    assert warning.startswith(
        "faq.csv:3: 「Ｔｅａｍｓ会議を予約したい」(b) と 「Teamsの会議を予約したい」(a, faq.csv:2)"
        " がよく似ています (類似度 96)"
    )
    assert "ボットが取り違える" in warning


def test_a_duplicated_id_is_not_also_warned_as_near_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\n"
          "a,Teamsの会議を予約したい,回答A\n"
          "a,Teamsの会議を予約したい,回答B\n"
          "b,Teamsで会議を予約したい,回答C\n")
    load = load_faq(tmp_path)
    assert load.errors == ["faq.csv:3: ID「a」が重複しています (最初の定義: faq.csv:2)"]
    # b is near both copies of a; the two copies of a are not reported as a pair
    assert [w.split(" と ")[1].split(" がよく")[0] for w in load.warnings] == [
        "「Teamsの会議を予約したい」(a, faq.csv:2)", "「Teamsの会議を予約したい」(a, faq.csv:3)"]


def test_near_duplicates_use_synonyms(tmp_path: Path) -> None:
    entries = [
        FaqEntry("a", "リモート接続の設定方法", "x"),
        FaqEntry("b", "VPNの設定方法", "y"),
    ]
    assert near_duplicates(entries)[0] == []
    pairs, complete = near_duplicates(entries, [("VPN", "リモート接続")])
    assert complete
    assert [(p.first.id, p.second.id, p.score) for p in pairs] == [("a", "b", 100.0)]
    assert pairs[0].message().endswith(  # why two different texts are "the same"
        "(類似度 100。表記ゆれ辞書や言い換え、言い回しをそろえると同じ文になります)。"
        "ボットが取り違えるおそれがあります")
    built_in = [FaqEntry("a", "パソコンが壊れた", "x"), FaqEntry("b", "ＰＣが壊れました", "y")]
    assert "そろえると同じ文になります" in near_duplicates(built_in)[0][0].message()
    same = [FaqEntry("a", "VPN", "x"), FaqEntry("b", "ＶＰＮ", "y")]  # only the width: nothing to say
    assert "同じ文" not in near_duplicates(same)[0][0].message()


def test_similar_pairs_skip_same_owner_and_find_identical_texts() -> None:
    texts = ["vpnにつながらない", "vpnにつながらない", "vpnにつながらないです", "研修の申込"]
    search = similar_pairs(texts, 90, owners=[1, 1, 2, 3])
    found = {(p.a, p.b) for p in search.pairs}
    assert found == {(0, 2), (1, 2)}
    assert search.complete


def test_similar_pairs_are_bounded() -> None:
    texts = [f"共通の長い質問文その{i:04d}番" for i in range(400)]
    search = similar_pairs(texts, 50, max_checks=100)
    assert not search.complete


def test_near_duplicate_check_skipped_above_limit(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,同じ質問,回答\nb,同じ質問,回答\n")
    assert len(load_faq(tmp_path).warnings) == 1
    assert load_faq(tmp_path, similar_limit=1).warnings == [
        "FAQ が 2 件あるため、似すぎた FAQ の確認は省略しました (python -m knowledge validate で確認できます)"
    ]
    assert load_faq(tmp_path, similar_limit=0).warnings == []


def test_cluster_texts_groups_similar_and_orders_by_size() -> None:
    keys = ["vpnつながらない", "研修申込", "vpnつながらないです", "vpnつながらない", "印刷"]
    clusters = cluster_texts(keys, threshold=80)
    assert [(c.representative, sorted(c.members)) for c in clusters] == [
        ("vpnつながらない", [0, 2, 3]),
        ("印刷", [4]),
        ("研修申込", [1]),
    ]


def test_yaml_list_under_another_key_is_read(tmp_path: Path) -> None:
    # Someone else's FAQ may keep its list under faqs: or questions: rather than entries:.
    write(
        tmp_path,
        "faq.yaml",
        "title: 人事FAQ\nversion: 2\nfaqs:\n  - id: a\n    question: 質問\n    answer: 回答\n",
    )
    load = load_faq(tmp_path)
    assert not load.errors
    assert [(e.id, e.location.line) for e in load.entries] == [("a", 4)]


@pytest.mark.parametrize(
    "doc",
    [
        # two lists: which one is the FAQ?
        "it:\n  - id: x\n    question: q\n    answer: r\nhr:\n  - id: y\n    question: q\n    answer: r\n",
        # one entry written without a list: its links are not taken for the entries
        "id: vpn\nquestion: VPN\nanswer: 再起動\nlinks:\n  - title: 手順\n    url: https://a.example/\n",
    ],
)
def test_yaml_without_a_single_list_names_the_keys(tmp_path: Path, doc: str) -> None:
    write(tmp_path, "faq.yaml", doc)
    assert load_faq(tmp_path).errors == ["faq.yaml:1: 一覧のキー (entries, items) が見つかりません"]


def test_a_noted_or_plural_header_never_overwrites_an_exact_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.csv",
        "id,質問,回答,質問(英語),Answers\nvpn,VPNにつながらない,再起動してください,Cannot connect,Restart\n",
    )
    load = load_faq(tmp_path)
    assert [(e.question, e.answer) for e in load.entries] == [("VPNにつながらない", "再起動してください")]
    assert "faq.csv:2: 知らない項目「質問(英語)」は読み飛ばします" in load.warnings
    assert "faq.csv:2: 知らない項目「Answers」は読み飛ばします" in load.warnings  # as written


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("ＩＤ", "id"),
        ("FAQ_ID", "id"),
        ("Questions", "question"),
        ("質問(必須)", "question"),
        ("質問*", "question"),
        ("Q.", "question"),
        ("回答（本文）", "answer"),
        ("Answers", "answer"),
        ("参考URL", "links"),
        ("Follow-ups", "follow_ups"),
        ("No.", "no."),  # a running number is not an id
    ],
)
def test_header_variants_from_other_offices(header: str, key: str) -> None:
    from knowledge.faq import FAQ_ALIASES
    from knowledge.sources import header_keys

    assert header_keys([header], FAQ_ALIASES) == [key]


def test_csv_with_noted_full_width_headers_loads(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "ＩＤ,質問(必須),回答（本文）,参考URL\nvpn,VPN,再起動,手順 https://a.example/\n")
    load = load_faq(tmp_path)
    assert not load.errors
    assert [(e.id, e.answer, e.links[0].url) for e in load.entries] == [
        ("vpn", "再起動", "https://a.example/")
    ]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("faq.csv", "id,質問,回答,質問\na,q1,r,q2\n", "faq.csv:1: 見出し「質問」と「質問」は同じ項目です"),
        (
            "faq.csv",
            "よくある質問\nid,question,answer,質問\na,q1,r,q2\n",
            "faq.csv:2: 見出し「question」と「質問」は同じ項目です",
        ),
        (
            "faq.yaml",
            "- id: a\n  question: q1\n  質問: q2\n  answer: r\n",
            "faq.yaml:1: 見出し「question」と「質問」は同じ項目です",
        ),
    ],
)
def test_two_columns_for_one_field_are_an_error(
    tmp_path: Path, name: str, content: str, error: str
) -> None:
    write(tmp_path, name, content)
    (found,) = load_faq(tmp_path).errors
    assert found.startswith(error)


def test_two_columns_for_one_field_in_a_sheet_name_sheet_and_row(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "FAQ"
    sheet.append(["ID", "質問", "回答", "Q"])
    sheet.append(["a", "q1", "r", "q2"])
    book.save(tmp_path / "faq.xlsx")
    (found,) = load_faq(tmp_path).errors
    assert found.startswith("faq.xlsx [シート FAQ] 1行目: 見出し「質問」と「Q」は同じ項目です")


def test_a_cell_over_the_csv_limit_is_named_in_japanese(tmp_path: Path) -> None:
    import csv

    write(tmp_path, "faq.csv", "id,question,answer\na,q," + "長" * (csv.field_size_limit() + 1) + "\n")
    (error,) = load_faq(tmp_path).errors
    assert error == f"faq.csv:2: CSV の書式エラー: セルが長すぎます ({csv.field_size_limit():,} 文字まで)"


def test_formulas_without_a_saved_result_are_reported_with_their_cells(tmp_path: Path) -> None:
    wb = Workbook()  # openpyxl writes formulas without results, as any program does
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["ID", "質問", "回答", "カテゴリ"])
    ws.append(["q1", "VPNが遅い", "再起動してください。", "=\"ネット\"&\"ワーク\""])
    ws.append(["q2", "印刷できない", "=B3&\"ときは…\"", "機器"])
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert load.errors == ["faq.xlsx [シート FAQ] 3行目: 必須項目 回答 が空です"]
    assert load.warnings == [
        "faq.xlsx [シート FAQ]: 数式の計算結果が保存されていないセル (D2、C3) は空として読みました。"
        "Excel で開いて保存し直してください"
    ]


def rewrite_sheet(path: Path, change: Callable[[bytes], bytes]) -> None:
    """Edit the first sheet's XML inside a saved workbook."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = change(parts[name])
    with zipfile.ZipFile(path, "w") as z:
        for part, data in parts.items():
            z.writestr(part, data)


def test_formulas_with_saved_results_are_read_quietly(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "質問", "回答", "カテゴリ"])
    ws.append(["q1", "VPNが遅い", '="再起動"', '=""'])
    wb.save(tmp_path / "faq.xlsx")
    # what Excel saves: the result beside the formula; an empty text result is marked as text
    rewrite_sheet(tmp_path / "faq.xlsx", lambda xml: xml.replace(
        '<f>"再起動"</f><v />'.encode(), '<f>"再起動"</f><v>再起動</v>'.encode()
    ).replace(b'<c r="C2">', b'<c r="C2" t="str">'
    ).replace(b'<c r="D2">', b'<c r="D2" t="str">'))
    load = load_faq(tmp_path)
    assert load.errors == [] and load.warnings == []
    assert (load.entries[0].answer, load.entries[0].category) == ("再起動", "")


def test_error_values_read_as_empty_and_are_named(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["ID", "質問", "回答", "カテゴリ"])
    ws.append(["q1", "VPNが遅い", "再起動してください。", "=VLOOKUP(A2,分類!A:B,2,FALSE)"])
    ws.append(["q2", "印刷できない", "=#REF!&\"へ\"", "機器"])
    wb.save(tmp_path / "faq.xlsx")
    # what Excel saves when a lookup finds nothing and a referenced column was deleted
    rewrite_sheet(tmp_path / "faq.xlsx", lambda xml: xml.replace(
        b'<c r="D2"><f>', b'<c r="D2" t="e"><f>').replace(b'<c r="C3"><f>', b'<c r="C3" t="e"><f>'
    ).replace(b"</f><v />", b"</f><v>#N/A</v>", 1).replace(b"</f><v />", b"</f><v>#REF!</v>", 1))
    load = load_faq(tmp_path)
    assert load.errors == ["faq.xlsx [シート FAQ] 3行目: 必須項目 回答 が空です"]
    assert load.warnings == [
        "faq.xlsx [シート FAQ]: エラー値のセル (D2「#N/A」、C3「#REF!」) は空として読みました。"
        "数式や参照先を確かめてください"
    ]
    (entry,) = load.entries
    assert (entry.id, entry.category) == ("q1", "")  # not 「#N/A」


@pytest.mark.parametrize(
    ("row", "gap"),
    [(3, False), (25, False), (6, True), (25, True)],  # among the header search rows, and after;
)  # a gap: the empty rows just above are absent from the file, as Excel saves them
def test_a_damaged_cell_is_an_error_naming_the_sheet_and_row(
    tmp_path: Path, row: int, gap: bool
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["ID", "質問", "回答"])
    for k in range(1, 30):
        ws.append([f"q{k}", f"質問{k}", k] if not gap or k < row - 4 or k >= row - 1 else [])
    wb.save(tmp_path / "faq.xlsx")
    # a number cell holding text: what a damaged or hand-edited file can contain
    cell = f'<c r="C{row}" t="n"><v>{row - 1}</v>'.encode()
    rewrite_sheet(tmp_path / "faq.xlsx", lambda xml: xml.replace(cell, cell.replace(b"<v>", b"<v>x")))
    load = load_faq(tmp_path)
    assert load.entries == [] and len(load.errors) == 1
    assert load.errors[0].startswith(f"faq.xlsx [シート FAQ] {row}行目: Excel ファイルの中身が壊れていて読めません (")


@pytest.mark.parametrize(
    "variant",
    [
        lambda xml: re.sub(rb' r="[A-Z]+\d+"', b"", xml),  # cells without a reference: counted
        lambda xml: re.sub(rb'(\w+)="([^"]*)"', rb"\1='\2'", xml),  # single quotes
        lambda xml: xml.replace(b't="e"', b't = "e"').replace(b'r="', b'r = "'),
        lambda xml: re.sub(rb"<(/?)(\w)", rb"<\1s-x:\2", xml).replace(b"xmlns=", b"xmlns:s-x="),
    ],
    ids=["no-reference", "single-quotes", "spaced", "prefixed"],
)
def test_error_values_are_found_however_the_xml_is_written(tmp_path: Path, variant) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "質問", "回答", "カテゴリ"])
    ws.append(["q1", "VPNが遅い", "再起動してください。", "=1/0"])
    ws.append(["q2", "印刷できない", "=\"用紙\"", "機器"])
    wb.save(tmp_path / "faq.xlsx")
    rewrite_sheet(tmp_path / "faq.xlsx", lambda xml: variant(
        xml.replace(b'<c r="D2"><f>1/0</f><v />', b'<c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v>')
        .replace(b'<c r="C3"><f>', b'<c r="C3" t="str"><f>')  # typed as text, but no result
        .replace(b'"\xe7\x94\xa8\xe7\xb4\x99"</f><v />', '"用紙"</f>'.encode())
    ))
    load = load_faq(tmp_path)
    assert [(e.id, e.category) for e in load.entries] == [("q1", "")]
    assert load.errors == ["faq.xlsx [シート Sheet] 3行目: 必須項目 回答 が空です"]
    assert load.warnings == [
        "faq.xlsx [シート Sheet]: 数式の計算結果が保存されていないセル (C3) は空として読みました。"
        "Excel で開いて保存し直してください",
        "faq.xlsx [シート Sheet]: エラー値のセル (D2「#DIV/0!」) は空として読みました。"
        "数式や参照先を確かめてください",
    ]


def test_formulas_in_rows_left_empty_are_not_reported(tmp_path: Path) -> None:
    wb = Workbook()  # a template: a lookup formula filled down rows nobody has used yet
    ws = wb.active
    ws.append(["ID", "質問", "回答", "カテゴリ"])
    ws.append(["q1", "VPNが遅い", "再起動してください。", "ネットワーク"])
    for row in range(3, 50):
        ws.append([None, None, None, f"=VLOOKUP(A{row},分類!A:B,2,FALSE)"])
    wb.save(tmp_path / "faq.xlsx")
    rewrite_sheet(tmp_path / "faq.xlsx", lambda xml: re.sub(
        rb'<c r="(D\d+)"><f>([^<]*)</f><v />', rb'<c r="\1" t="e"><f>\2</f><v>#N/A</v>', xml))
    load = load_faq(tmp_path)
    assert (len(load.entries), load.errors, load.warnings) == (1, [], [])


def test_a_formula_cell_closed_oddly_is_still_found(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "質問", "回答"])
    ws.append(["q1", "VPNが遅い", "=\"再起動\""])
    wb.save(tmp_path / "faq.xlsx")
    rewrite_sheet(tmp_path / "faq.xlsx", lambda xml: xml.replace(b"<v /></c>", b"<v /></c >"))
    assert load_faq(tmp_path).warnings == [
        "faq.xlsx [シート Sheet]: 数式の計算結果が保存されていないセル (C2) は空として読みました。"
        "Excel で開いて保存し直してください"
    ]


def test_a_publish_column_says_where_to_mark_what_is_not_served(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "ID,質問,回答,公開\na,質問A,回答A,公開中\nb,質問B,回答B,×\n")
    load = load_faq(tmp_path)  # 公開 may hold anything (公開中, a date): not read as 有効
    assert [(e.id, e.enabled) for e in load.entries] == [("a", True), ("b", True)]
    assert load.warnings == [
        "faq.csv:2: 知らない項目「公開」は読み飛ばします (公開しない FAQ は「有効」の列に「いいえ」や「×」と書きます)"
    ]
    write(tmp_path, "faq.csv", "ID,質問,回答,有効\na,質問A,回答A,する\nb,質問B,回答B,しない\n")
    assert [(e.id, e.enabled) for e in load_faq(tmp_path).entries] == [("a", True), ("b", False)]


def test_ids_with_look_alike_dashes_are_the_same_id(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "ID,質問,回答,関連\nFAQ−001,質問A,回答A,FAQ‐002\nFAQ―002,質問B,回答B,FAQ-001\n")
    load = load_faq(tmp_path)
    assert load.errors == []
    assert [(e.id, e.follow_ups) for e in load.entries] == [
        ("FAQ-001", ("FAQ-002",)), ("FAQ-002", ("FAQ-001",))
    ]


def test_tags_in_one_cell_may_be_separated_by_commas(tmp_path: Path) -> None:
    write(tmp_path, "faq.yaml", "- id: a\n  question: 内線\n  answer: 回答\n  tags: 電話、内線, 転送,1,000円\n")
    (entry,) = load_faq(tmp_path).entries
    assert entry.tags == ("電話", "内線", "転送", "1,000円")


def test_an_answer_written_as_a_list_or_mapping_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.yaml",
        "- id: a\n  question: 内線番号\n  answer:\n    - 内線1234\n    - 内線5678\n"
        "- id: b\n  question:\n    手順1: 印刷を選ぶ\n  answer: 回答\n",
    )
    hint = "が一覧や「キー: 値」の形になっています。文章として書いてください (複数行の回答は「answer: |」の次の行から字下げして書きます)"
    load = load_faq(tmp_path)
    assert load.errors == [f"faq.yaml:1: 回答 {hint}", f"faq.yaml:6: 質問 {hint}"]
    assert load.entries == []


# ---------------------------------------------------------------- what admins' files really hold


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id,question,answer\na,質問A,"回答A\nb,質問B,回答B\n', '引用符 (") が閉じられていません'),
        ('id,question,answer\na,質問A,"回答A\nb,質問B,"回答B"\nc,質問C,回答C\n',
         '引用符 (") で囲んだ値のあとに文字があります'),
    ],
    ids=["open-to-the-end", "closed-by-a-later-quote"],
)
def test_a_quote_left_open_in_a_csv_is_an_error_not_rows_swallowed(
    tmp_path: Path, text: str, message: str
) -> None:
    write(tmp_path, "faq.csv", text)
    load = load_faq(tmp_path)
    assert load.entries == [] and len(load.errors) == 1
    assert load.errors[0].startswith(f"faq.csv:2: CSV の書式エラー: {message}")  # the row it starts


def test_group_labels_or_instructions_above_the_header_are_passed_over(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    for k in range(1, 12):
        ws.append([f"記入要領 {k}: 1 行に 1 問、ID は半角で"])
    ws.append(["基本情報", None, "内容", None])  # labels over two columns each
    ws.append(["ID", "カテゴリ", "質問", "回答"])
    ws.append(["q1", "ネットワーク", "VPNが遅い", "再起動してください。"])
    wb.save(tmp_path / "faq.xlsx")
    write(tmp_path, "more.csv", "基本情報,,内容\nID,カテゴリ,質問,回答\nq2,メール,送れない,容量を確認\n")
    load = load_faq(tmp_path)
    assert (load.errors, load.warnings) == ([], [])
    assert [(e.id, e.location and str(e.location)) for e in load.entries] == [
        ("q1", "faq.xlsx [シート FAQ] 14行目"), ("q2", "more.csv:3")
    ]


def test_template_rows_under_the_header_are_left_out_and_said_so(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["ID", "質問", "回答", "カテゴリ"])
    ws.append(["必須", "必須", "必須", "任意"])
    ws.append(["（例）FAQ-000", "〇〇のやり方は？", "手順を書きます。", "例"])
    ws.append(["FAQ-001", "例規集の見方", "庁内ポータルから開きます。", "文書"])  # 例 inside: data
    ws.append(["記入例はどこで見られますか", "記入例", "様式の 2 枚目です。", "文書"])  # not 「記入例:」
    wb.save(tmp_path / "faq.xlsx")
    write(tmp_path, "more.csv", "ID,質問,回答\n必須,必須,必須\n【例】,質問,回答\n記入例,質問,回答\nFAQ-002,質問2,回答2\n"
          "記入例 転居届,転居届の記入例,窓口にあります。\n")  # words after 記入例: a real row
    load = load_faq(tmp_path)
    assert [e.id for e in load.entries] == ["FAQ-001", "記入例はどこで見られますか", "FAQ-002"]
    assert load.errors == ["more.csv:6: ID「記入例 転居届」に空白や | , は使えません (英数字と - _ を使ってください)"]
    assert load.warnings == [
        "faq.xlsx [シート FAQ]: 記入例や「必須」「任意」の説明の行 (2、3 行目) は読みません",
        "more.csv: 記入例や「必須」「任意」の説明の行 (2、3、4 行目) は読みません",
    ]


def test_a_hidden_column_gives_way_to_a_shown_one_of_the_same_field(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["ID", "質問", "回答", "回答（修正版）", "タグ"])
    ws.append(["q1", "VPNが遅い", "古い回答", "新しい回答", "ネットワーク"])
    ws.column_dimensions["C"].hidden = True  # the old answers, put out of sight
    ws.column_dimensions["A"].hidden = True  # ids and tags hidden to save room: still read
    ws.column_dimensions["E"].hidden = True
    ws.column_dimensions.group("H", "XFD", hidden=True)  # the unused columns, hidden
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert [(e.id, e.answer, e.tags) for e in load.entries] == [("q1", "新しい回答", ("ネットワーク",))]
    assert load.warnings == [
        "faq.xlsx [シート FAQ]: 非表示の列 (C 列) は、同じ項目の列が表示されているため読みません"
    ]
    ws["F1"], ws["F2"] = "関連ID", "q2"  # contains ID, but is another column: the hidden ID is read
    ws["G1"], ws["G2"] = "回答者", "総務課"
    wb.save(tmp_path / "faq.xlsx")
    assert [(e.id, e.answer) for e in load_faq(tmp_path).entries] == [("q1", "新しい回答")]
    ws["D1"] = "新回答_2025"  # a shown header the bot does not know: the old answers are not served
    wb.save(tmp_path / "faq.xlsx")
    assert load_faq(tmp_path).errors == [
        "faq.xlsx [シート FAQ] 1行目: 見出しに 回答 の列がありません (非表示の列「回答」は、表示されている"
        "似た名前の列に置き換えたものとみなして読みません。表示している列の見出しを「回答」にしてください)"
    ]


def test_a_change_log_sheet_beside_the_table_is_not_read(tmp_path: Path) -> None:
    network_and_mail(tmp_path / "faq.xlsx", ["ID", "質問", "回答"])
    wb = __import__("openpyxl").load_workbook(tmp_path / "faq.xlsx")
    log = wb.create_sheet("変更履歴")
    log.append(["日付", "ID", "質問", "変更内容"])
    log.append(["2026-04-01", "n-1", "VPNが遅い", "回答を更新"])
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert ([e.id for e in load.entries], load.errors, load.warnings) == (["n-1", "m-1"], [], [])


def test_a_workbook_without_the_table_says_why(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "記入例"
    wb.active.append(["ID", "質問", "回答"])
    wb.active.append(["q1", "VPNが遅い", "再起動してください。"])
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert load.entries == [] and load.warnings == []
    assert load.errors == [  # an error, as for a CSV: the bot keeps its last good FAQ
        "faq.xlsx: 見出し行 (ID・質問・回答) のあるシートがありません (各シートの先頭 30 行を探しました。"
        "シート「記入例」は記入例として読みません)",
    ]


def test_an_empty_workbook_is_an_error_and_the_last_good_faq_keeps_serving(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問,回答\n")
    Workbook().save(tmp_path / "新しい Microsoft Excel ワークシート.xlsx")  # Explorer › New
    load = load_faq(tmp_path)
    assert load.errors == [
        "新しい Microsoft Excel ワークシート.xlsx: 見出し行 (ID・質問・回答) のあるシートがありません "
        "(各シートの先頭 30 行を探しました)"
    ]


def test_a_password_protected_workbook_says_so(tmp_path: Path) -> None:
    # an encrypted workbook is an OLE compound file, as an old .xls is
    (tmp_path / "faq.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert load_faq(tmp_path).errors == [
        "faq.xlsx: パスワード付きのブックか古い形式 (.xls) のため開けません。"
        "パスワードを外し、Excel ブック (.xlsx) として保存し直してください"
    ]


def test_a_csv_renamed_xlsx_or_a_save_cut_short_says_so_in_japanese(tmp_path: Path) -> None:
    (tmp_path / "faq.xlsx").write_text("id,question,answer\na,質問,回答\n", encoding="utf-8")
    (error,) = load_faq(tmp_path).errors
    assert error.startswith("faq.xlsx: Excel ブック (.xlsx) として開けません。保存の途中か、別の形式のファイルの名前を")


def test_a_tab_separated_text_file_is_pointed_out(tmp_path: Path) -> None:
    write(tmp_path, "faq.csv", "id,question,answer\na,質問A,回答A\n")
    write(tmp_path, "FAQ.txt", "ID\t質問\t回答\nb\t質問B\t回答B\n", encoding="utf-16")
    write(tmp_path, "メモ.txt", "来週までに FAQ を見直す\n")
    assert load_faq(tmp_path).warnings == [
        "FAQ.txt: Excel の「Unicode テキスト」などタブ区切りの表のようですが、.txt は読みません。"
        "拡張子を .csv に変えると読めます"
    ]


def test_cells_read_as_excel_shows_them(tmp_path: Path) -> None:
    from datetime import datetime, time

    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "質問", "回答", "カテゴリ", "関連"])
    ws.append([1, "申請の締め切り", datetime(2026, 12, 5), time(17, 15), "003"])  # typed 12月5日, 17:15
    ws.append([3, "補助率", 0.5, "補助", 1])
    for ref in ("A2", "A3", "E3"):
        ws[ref].number_format = "000"  # ids typed 001 that Excel keeps as the number 1
    ws["C3"].number_format = "0%"
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert load.errors == []
    assert [(e.id, e.answer, e.category, e.follow_ups) for e in load.entries] == [
        ("001", "2026年12月5日", "17:15", ("003",)),
        ("003", "50%", "補助", ("001",)),
    ]


def test_excel_links_keep_their_address(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "質問", "回答", "参考URL", "関連"])
    ws.append(["a", "給与明細", "詳しくはこちら", "給与明細の見方", "b、c"])
    ws.append(["b", "旅費", "旅費システムで申請します。", "https://portal.example.lg.jp/ryohi", "a,c"])
    ws.append(["c", "休暇", "庶務に届けます。", None, None])
    ws.append(["d", "問い合わせ", "helpdesk@pref.example.lg.jp", "https://portal.example.lg.jp", None])
    ws.append(["e", "ごみ", "分別表を見てください。", "www.city.example.lg.jp/gomi", None])
    ws["C2"].hyperlink = "https://portal.example.lg.jp/kyuyo?a=1&b=2"  # 「リンクの挿入」
    ws["A2"].hyperlink = "https://portal.example.lg.jp/faq/a"  # an id linked to its page: stays the id
    ws["D4"].hyperlink = "https://portal.example.lg.jp/old"  # a cell emptied: stays empty
    ws["D4"].value = None
    ws["C5"].hyperlink = "mailto:helpdesk@pref.example.lg.jp"  # as Excel links a typed address
    ws["D5"].hyperlink = "https://portal.example.lg.jp/"
    ws["D6"].hyperlink = "http://www.city.example.lg.jp/gomi"  # Excel gives a typed www. its scheme
    ws["D2"].hyperlink = "https://portal.example.lg.jp/kyuyo/guide"
    ws["D3"].hyperlink = "https://portal.example.lg.jp/ryohi"  # the address typed and linked
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert (load.errors, load.warnings) == ([], [])
    a, b, c, d, e = load.entries
    assert e.links == (Link("www.city.example.lg.jp/gomi", "http://www.city.example.lg.jp/gomi"),)
    assert a.id == "a" and c.links == ()
    assert (d.answer, d.links) == (
        "helpdesk@pref.example.lg.jp", (Link("https://portal.example.lg.jp", "https://portal.example.lg.jp"),)
    )
    assert a.answer == "詳しくはこちら https://portal.example.lg.jp/kyuyo?a=1&b=2"
    assert a.links == (Link("給与明細の見方", "https://portal.example.lg.jp/kyuyo/guide"),)
    assert b.links == (Link("https://portal.example.lg.jp/ryohi", "https://portal.example.lg.jp/ryohi"),)
    assert (a.follow_ups, b.follow_ups) == (("b", "c"), ("a", "c"))


def test_a_link_set_on_a_range_of_cells_reaches_each_of_them(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "質問", "回答", "リンク"])
    ws.append(["a", "給与明細", "ポータルで見られます。", "手引き"])
    ws.append(["b", "源泉徴収票", "ポータルで見られます。", "手引き"])
    ws["D2"].hyperlink = "https://portal.example.lg.jp/kyuyo"
    wb.save(tmp_path / "faq.xlsx")
    rewrite_sheet(tmp_path / "faq.xlsx", lambda xml: xml.replace(b'ref="D2"', b'ref="D1:D1048576"'))
    links = [e.links for e in load_faq(tmp_path).entries]
    assert links == [(Link("手引き", "https://portal.example.lg.jp/kyuyo"),)] * 2


def test_only_the_faq_reads_numbers_as_shown_and_links(tmp_path: Path) -> None:
    from knowledge.sources import read_records

    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "mail"])
    ws.append([1, "企画課", "kikaku@pref.example.lg.jp"])
    ws["A2"].number_format = "000"
    ws["C2"].hyperlink = "mailto:kikaku@pref.example.lg.jp"  # as Excel links a typed address
    wb.save(tmp_path / "units.xlsx")
    aliases = {"code": "code", "name": "name", "mail": "mail"}
    # another sheet may hold the same code as the number 1: codes stay numbers there
    assert read_records(tmp_path / "units.xlsx", aliases)[0].data == {
        "code": 1, "name": "企画課", "mail": "kikaku@pref.example.lg.jp"
    }
    assert read_records(tmp_path / "units.xlsx", aliases, as_shown=True)[0].data["code"] == "001"


def test_a_table_in_a_sheet_named_like_notes_is_not_read_but_said_so(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "更新情報"  # a change log listing ID, 質問 and 回答 looks like the table
    wb.active.append(["ID", "質問", "回答"])
    wb.active.append(["upd-1", "システム更新の予定", "毎月第 2 土曜です。"])
    wb.save(tmp_path / "faq.xlsx")
    load = load_faq(tmp_path)
    assert load.entries == [] and len(load.errors) == 1
    assert load.errors[0].startswith("faq.xlsx: 見出し行 (ID・質問・回答) のあるシートがありません")
    assert load.warnings[0] == (
        "faq.xlsx [シート 更新情報]: 履歴や説明のためのシート名なので読みません (表ならシート名を変えてください)"
    )


def test_yaml_that_reads_otherwise_than_written_is_pointed_out(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.yaml",
        "- id: tel-01\n"
        "  question: 内線番号の調べ方  # 電話帳の FAQ\n"  # a comment the admin meant: quiet
        "  answer: 代表は #1000 です\n"
        "- id: tel-02\n"
        "  question: 電話の転送方法\n"
        "  answer:\n"
        "    1. 保留ボタンを押す\n"
        "    2. 転送ボタンを押す\n"
        "- id: tel-03\n"
        "  question: 長い質問を\n"
        "    折り返して書いた\n"  # a question joined into one line is what was meant
        "  answer: |\n"
        "    1. 保留\n"
        "    2. 転送\n"
        "- id: tel-04\n"
        "  question: 留守電\n"
        "  answer:\n"
        "    総務課に依頼してください。\n"
        "  category: \"#電話\"\n"
        "- id: tel-05\n"
        "  question: 代表番号\n"
        "  answer: |\n"
        "    代表: 03-1234-5678 #内線は 1000\n"  # inside a block: kept as written
        "  enabled: false  #4月まで停止\n"  # two spaces: a comment meant as one
        "- id: room-1\n"
        "  question: 会議室\n"
        "  answer: |\n"
        "    予約方法:\n"
        "      - 本庁舎: 総務課 #3 会議室\n"  # deeper inside the block: kept
        "    回答:\n"
        "      担当者が記入\n"
        "      空けておく\n"  # a key-like line inside a block: not a multi-line answer
        "# 書き方:\n"
        "#    answer: |\n"  # a comment never opens a block
        "- question: >\n"
        "    代表番号\n"
        "  id: tel-06\n"
        "  answer: 夜間は #9999 です。\n",  # after a block, a sibling key's value is cut again
    )
    load = load_faq(tmp_path)
    assert load.errors == []
    assert load.warnings == [
        "faq.yaml:3: 「#1000 です」は YAML ではコメントとして読み飛ばされます。# を含む値は全体を \"…\" で囲んでください",
        "faq.yaml:6: answer の値が複数行に書かれていますが、YAML では 1 行につながって読まれます。"
        "改行を残すには「answer: |」と書き、次の行から字下げしてください",
        "faq.yaml:38: 「#9999 です。」は YAML ではコメントとして読み飛ばされます。# を含む値は全体を \"…\" で囲んでください",
    ]


def test_a_row_left_out_for_its_own_error_still_counts_for_ids(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.csv",
        "ID,質問,回答,リンク,関連\n"
        "a,質問A,回答A,手引き,b\n"  # a link without its URL: left out
        "b,質問B,回答B,,a\n"  # 関連 a: not also an error
        "a,質問C,回答C,,\n",  # the same id as the row left out: still a duplicate
    )
    assert load_faq(tmp_path).errors == [
        "faq.csv:2: リンク「手引き」に URL がありません",
        "faq.csv:4: ID「a」が重複しています (最初の定義: faq.csv:2)",
    ]


def test_a_yaml_file_saved_in_shift_jis_says_how_to_save_it_again(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_bytes("- id: a\n  question: 質問\n  answer: 回答\n".encode("cp932"))
    (error,) = load_faq(tmp_path).errors
    assert error.startswith("faq.yaml: 文字コードが UTF-8 ではありません。UTF-8 で保存し直してください")
    assert "メモ帳なら「名前を付けて保存」の「エンコード」で UTF-8 を選びます" in error
