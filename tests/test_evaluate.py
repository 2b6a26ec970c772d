"""Evaluation metrics, case loading and the explanation for ``ask``."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.evaluate import Case, evaluate, explain, format_report, load_cases
from knowledge.faq import FaqEntry
from knowledge.matcher import Band, Candidate, Matcher, MatchResult
from knowledge.sources import DataFileError


def _entry(entry_id: str) -> FaqEntry:
    return FaqEntry(entry_id, f"{entry_id} の質問", f"{entry_id} の回答")


class StubMatcher:
    """Returns fixed rankings, so the expected metrics can be worked out by hand."""

    def __init__(self, answers: dict[str, tuple[Band, list[str]]]) -> None:
        self.answers = answers

    def match(self, query: str, limit: int = 5) -> MatchResult:
        band, ids = self.answers[query]
        candidates = tuple(
            Candidate(_entry(i), 0.9 - 0.1 * k, "question", i, "stub") for k, i in enumerate(ids)
        )
        return MatchResult(query, query, band, candidates[:limit])


def _case(query: str, expected: str = "") -> Case:
    return Case(query, frozenset(expected.split("|")) if expected else frozenset())


def test_metrics_match_a_hand_computed_example() -> None:
    stub = StubMatcher(
        {
            "q1": ("answer", ["a", "b", "c"]),  # right, answered
            "q2": ("clarify", ["b", "a", "c"]),  # wrong top-1, right in top 3, not answered
            "q3": ("answer", ["c", "b", "d"]),  # wrong, answered, not in top 3
            "q4": ("clarify", ["d", "e", "a"]),  # either d or e is right: right at top 1
            "o1": ("answer", ["a", "b", "c"]),  # out of scope but answered: a wrong answer
            "o2": ("none", []),
            "o3": ("clarify", ["a"]),
        }
    )
    cases = [
        _case("q1", "a"),
        _case("q2", "a"),
        _case("q3", "a"),
        _case("q4", "d|e"),
        _case("o1"),
        _case("o2"),
        _case("o3"),
    ]
    report = evaluate(stub, cases)  # type: ignore[arg-type]
    assert (report.cases, report.in_scope, report.out_of_scope) == (7, 4, 3)
    assert report.top1 == pytest.approx(2 / 4)  # q1, q4
    assert report.recall3 == pytest.approx(3 / 4)  # q1, q2, q4
    assert report.answered == 3  # q1, q3, o1
    assert report.answer_precision == pytest.approx(1 / 3)  # only q1 was right
    assert report.oos_rejection == pytest.approx(2 / 3)  # o2, o3
    assert report.p50_ms >= 0 and report.p99_ms >= report.p50_ms
    assert set(report.as_dict()) >= {
        "top1",
        "recall3",
        "answer_precision",
        "oos_rejection",
        "p50_ms",
        "p99_ms",
    }
    assert "50.0%" in format_report(report)


def test_empty_sides_do_not_divide_by_zero() -> None:
    stub = StubMatcher({"q": ("none", [])})
    report = evaluate(stub, [_case("q", "a")])  # type: ignore[arg-type]
    assert report.top1 == 0.0
    assert report.answer_precision == 1.0  # nothing answered, nothing wrong
    assert report.oos_rejection == 1.0  # no out-of-scope cases


def test_load_cases_reads_multiple_ids_and_out_of_scope(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "query,expected_id\nVPNにつながらない,vpn-connect\n印刷,printer|mfp\n今日の天気,\n",
        encoding="utf-8",
    )
    cases = load_cases(path)
    assert [c.query for c in cases] == ["VPNにつながらない", "印刷", "今日の天気"]
    assert cases[1].expected == {"printer", "mfp"}
    assert not cases[2].in_scope
    assert str(cases[0].location) == "cases.csv:2"


def test_load_cases_accepts_japanese_headers_and_cp932(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes("質問,正解ID\nパスワードを忘れた,password-forgot\n".encode("cp932"))
    assert load_cases(path) == [Case("パスワードを忘れた", frozenset({"password-forgot"}))]


def test_expected_ids_are_read_as_the_faq_reads_its_ids(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"  # full width, a minus sign, a space after the |: as FAQ ids read
    path.write_text("query,expected_id\n印刷,ＦＡＱ－００１| FAQ−002\n", encoding="utf-8")
    assert load_cases(path)[0].expected == {"FAQ-001", "FAQ-002"}


def test_load_cases_names_the_row_with_an_empty_query(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("query,expected_id\nVPN,vpn\n ,printer\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"cases\.csv:3"):
        load_cases(path)


def test_a_data_row_that_looks_like_a_header_is_not_taken_for_one(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"  # "text" is not a known header; "質問" below is a query
    path.write_text("text,expected_id\nVPN,vpn\n質問,\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"cases\.csv:1: 見出しに 質問 の列がありません"):
        load_cases(path)
    path.write_text("question,expected_id\nVPN,ｖｐｎ\n", encoding="utf-8")  # the FAQ's own header
    assert [(c.query, c.expected) for c in load_cases(path)] == [("VPN", frozenset({"vpn"}))]


def test_evaluate_and_explain_with_a_real_matcher() -> None:
    matcher = Matcher.build(
        [
            FaqEntry("vpn", "VPNに接続するには？", "接続ツールを起動してサインインします。"),
            FaqEntry("printer", "プリンターで印刷できません", "ドライバーを入れ直してください。"),
        ]
    )
    cases = [_case("VPNに接続したい", "vpn"), _case("印刷できない", "printer"), _case("天気予報")]
    report = evaluate(matcher, cases)
    assert report.top1 == 1.0 and report.recall3 == 1.0 and report.oos_rejection == 1.0
    text = explain(matcher, "VPNに接続したい", limit=2)
    assert "1. " in text and "vpn" in text and "判定:" in text
    assert "候補なし" in explain(matcher, "？")


def test_cases_without_an_expected_column_are_an_error_not_a_perfect_score(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("query,answer_id\nVPN,vpn\n", encoding="utf-8")  # a misnamed column
    with pytest.raises(DataFileError, match=r"cases\.csv:1: 見出しに 正解ID の列がありません"):
        load_cases(path)
    path.write_text("id,質問,正解ID\n1,VPN,vpn\n2,天気,\n", encoding="utf-8")  # a case file's own ids
    assert [(c.query, c.expected) for c in load_cases(path)] == [
        ("VPN", frozenset({"vpn"})), ("天気", frozenset())
    ]
