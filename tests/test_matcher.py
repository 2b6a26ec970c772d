"""The FAQ matcher: ranking, bands, variants, determinism and the candidate index."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from knowledge.faq import FaqEntry
from knowledge.matcher import _BM25_EXTRA, Matcher, MatchSettings, _gram_first

ENTRIES = [
    FaqEntry(
        "vpn-connect",
        "VPNに接続するにはどうすればいいですか？",
        "庁外から庁内システムを使うときは VPN 接続が必要です。接続ツールを起動してサインインします。",
        alternates=("自宅から庁内システムにつなぐ方法", "VPNの接続手順"),
        tags=("VPN", "テレワーク"),
    ),
    FaqEntry(
        "vpn-slow",
        "VPNが遅い・切れるときはどうすればいいですか？",
        "Teams会議中はVPNを切断してください。回線の負担が減ります。",
        alternates=("リモート接続がすぐ切れる",),
    ),
    FaqEntry(
        "password-forgot",
        "パスワードを忘れたときはどうすればいいですか？",
        "セルフサービスのパスワードリセット画面から再設定できます。",
        alternates=("パスワードがわからない",),
    ),
    FaqEntry(
        "password-expired",
        "パスワードの有効期限が切れたときは？",
        "有効期限の14日前から変更を求められます。サインイン画面の案内に従って変更してください。",
    ),
    FaqEntry(
        "printer",
        "プリンターで印刷できません",
        "プリンタードライバーを入れ直すと直ることがあります。用紙詰まりも確認してください。",
        alternates=("複合機で印刷できない",),
    ),
    FaqEntry(
        "udemy",
        "Udemy Business のライセンスはどうやって申請しますか？",
        "研修ポータルの利用申請フォームから申し込んでください。承認後に招待メールが届きます。",
    ),
    FaqEntry(
        "retired",
        "旧グループウェアの使い方",
        "旧グループウェアは廃止されました。",
        enabled=False,
    ),
]
GROUPS = [
    ("パスワード", "PW", "パスワ"),
    ("プリンター", "プリンタ", "複合機"),
    ("申込", "申し込み"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(ENTRIES, GROUPS)


def top_id(matcher: Matcher, query: str) -> str:
    result = matcher.match(query)
    assert result.candidates, query
    return result.candidates[0].entry.id


def test_close_paraphrase_is_answered(matcher: Matcher) -> None:
    result = matcher.match("パスワードを忘れてしまいました")
    assert result.band == "answer"
    assert result.top is not None and result.top.entry.id == "password-forgot"


def test_alternate_phrasing_matches_and_is_reported(matcher: Matcher) -> None:
    result = matcher.match("自宅から庁内のシステムにつなぎたい")
    assert result.top is not None and result.top.entry.id == "vpn-connect"
    assert result.top.field == "alternate"
    assert result.top.matched == "自宅から庁内システムにつなぐ方法"


def test_ambiguous_query_asks_to_clarify(matcher: Matcher) -> None:
    result = matcher.match("VPN")
    assert result.band == "clarify"
    assert {c.entry.id for c in result.candidates[:2]} == {"vpn-connect", "vpn-slow"}
    # Both password entries are offered, the one whose answer also talks about it first.
    ranked = [c.entry.id for c in matcher.match("パスワード").candidates[:2]]
    assert ranked == ["password-forgot", "password-expired"]


def test_unrelated_query_gets_no_answer(matcher: Matcher) -> None:
    assert matcher.match("社員食堂の今日のランチのメニュー").band == "none"
    assert matcher.match("").band == "none"
    assert matcher.match("？！。").candidates == ()


def test_words_only_in_the_answer_find_the_entry(matcher: Matcher) -> None:
    result = matcher.match("招待メールが届かない")
    assert result.top is not None and result.top.entry.id == "udemy"
    assert result.top.field == "answer"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ＶＰＮ 接続", "vpn-connect"),  # full width
        ("ﾊﾟｽﾜｰﾄﾞを忘れた", "password-forgot"),  # half-width kana
        ("ぱすわーどを忘れた", "password-forgot"),  # hiragana
        ("PWを忘れた", "password-forgot"),  # synonym
        ("プリンタで印刷できない", "printer"),  # long-vowel variant
        ("udemy の ライセンス", "udemy"),  # case
        ("ライセンスの申し込み", "udemy"),  # okurigana variant of 申込
    ],
)
def test_width_kana_case_and_synonym_variants_match(
    matcher: Matcher, query: str, expected: str
) -> None:
    assert top_id(matcher, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("VPNに接属したい", "vpn-connect"),  # wrong kanji
        ("パスワードをわすれた", "password-forgot"),  # kana instead of kanji
        ("ぷりんたーでいんさつできない", "printer"),  # all hiragana
        ("VPNがおそい", "vpn-slow"),
    ],
)
def test_typos_and_spelling_slips_still_match(matcher: Matcher, query: str, expected: str) -> None:
    assert top_id(matcher, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [("ゆうこうきげん きれた", "password-expired"), ("いんさつできない", "printer")],
)
def test_words_typed_as_they_are_read_meet_the_kanji(
    matcher: Matcher, query: str, expected: str
) -> None:
    result = matcher.match(query)
    assert top_id(matcher, query) == expected
    assert result.top is not None and "の読み" in result.top.why
    # what is shown is the text as written, never the reading
    assert result.top.matched in (result.top.entry.question, *result.top.entry.alternates)


def test_disabled_entries_are_never_returned(matcher: Matcher) -> None:
    assert all(e.id != "retired" for e in matcher.entries)
    result = matcher.match("旧グループウェアの使い方")
    assert all(c.entry.id != "retired" for c in result.candidates)


def test_scores_are_calibrated_sorted_and_limited(matcher: Matcher) -> None:
    result = matcher.match("VPN", limit=3)
    assert 0 < len(result.candidates) <= 3
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert result.normalized == "vpn"
    assert all(c.why for c in result.candidates)


def test_band_is_decided_on_all_candidates_not_the_shown_ones(matcher: Matcher) -> None:
    assert matcher.match("VPN", limit=1).band == "clarify"


def test_settings_move_the_bands() -> None:
    strict = Matcher.build(ENTRIES, GROUPS, MatchSettings(answer_threshold=1.01))
    assert strict.match("パスワードを忘れたときはどうすればいいですか？").band == "clarify"
    lenient = Matcher.build(ENTRIES, GROUPS, MatchSettings(clarify_threshold=0.0))
    result = lenient.match("社員食堂の今日のランチのメニュー")
    assert result.candidates and result.band == "clarify"


def test_results_do_not_depend_on_entry_order() -> None:
    shuffled = ENTRIES[:]
    random.Random(3).shuffle(shuffled)
    a, b = Matcher.build(ENTRIES, GROUPS), Matcher.build(shuffled, GROUPS)
    for query in ("VPN", "パスワード", "印刷", "申請", "切れる"):
        assert a.match(query) == b.match(query)


def test_ties_are_broken_by_entry_id() -> None:
    twins = [
        FaqEntry("b-twin", "会議室を予約したい", "施設予約システムで予約します。"),
        FaqEntry("a-twin", "会議室を予約したい", "施設予約システムで予約します。"),
    ]
    result = Matcher.build(twins).match("会議室を予約したい")
    assert [c.entry.id for c in result.candidates] == ["a-twin", "b-twin"]
    assert result.candidates[0].score == result.candidates[1].score
    assert result.band == "clarify"  # two equally good answers: no margin


def test_empty_faq_matches_nothing() -> None:
    result = Matcher.build([]).match("VPN")
    assert result.band == "none" and result.candidates == ()


def _filler(count: int) -> list[FaqEntry]:
    rng = random.Random(11)
    systems = ("財務会計", "文書管理", "庶務事務", "旅費", "勤怠管理", "施設予約", "電子決裁")
    things = ("申請書", "決裁文書", "出張命令", "休暇届", "請求書", "議事録", "名簿", "座席表")
    acts = ("登録", "修正", "削除", "取消", "承認", "差戻し", "検索", "出力", "転送", "集計")
    out = []
    for i in range(count):
        s, t, a = rng.choice(systems), rng.choice(things), rng.choice(acts)
        out.append(
            FaqEntry(
                f"filler-{i:05d}",
                f"{s}システムで{t}を{a}するには？",
                f"{s}の{t}画面から{a}します。",
            )
        )
    return out


def test_index_narrows_candidates_in_a_large_faq() -> None:
    big = Matcher.build([*ENTRIES, *_filler(3000)], GROUPS, MatchSettings(pool_size=40))
    pool = big.pool("VPNに接続できない")
    assert "vpn-connect" in pool
    assert len(pool) <= 40 + _BM25_EXTRA  # the best 40, plus the best few by BM25
    # A query made only of words no filler entry has reaches none of the 3,000 fillers.
    assert not any(i.startswith("filler") for i in big.pool("ＶＰＮ"))
    assert top_id(big, "VPNに接続するには") == "vpn-connect"
    assert top_id(big, "パスワードを忘れた") == "password-forgot"



@pytest.mark.parametrize("n_grams", [300, 70_000, 5_000_000])
def test_pairs_are_counted_in_gram_order_with_entries_ascending(n_grams: int) -> None:
    # The postings need each distinct (gram, entry) pair once, gram-first, with how often it
    # occurs; past 2**32 the pair keys need 64 bits.
    rng = np.random.default_rng(3)
    size = 900
    entry = np.sort(rng.integers(0, size, 20_000)).astype(np.int32)  # grams come by entry
    gram = rng.integers(0, n_grams, 20_000).astype(np.int32)  # keys need 64 bits all the same
    gram[::7] = gram[0]  # some pairs repeat
    grams, entries, keys, counts = _gram_first(entry, gram, size, n_grams)
    expected = Counter(zip(gram.tolist(), entry.tolist(), strict=True))
    assert list(zip(grams.tolist(), entries.tolist(), strict=True)) == sorted(expected)
    assert counts.tolist() == [expected[pair] for pair in sorted(expected)]
    assert np.array_equal(keys, grams * size + entries)


def test_a_vocabulary_past_65536_grams_keeps_every_entry_findable() -> None:
    rng = random.Random(5)
    kanji = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    entries = [
        FaqEntry(f"rare-{i:04d}", "".join(rng.sample(kanji, 12)), "".join(rng.sample(kanji, 30)))
        for i in range(2500)
    ]
    big = Matcher.build(entries, settings=MatchSettings(pool_size=5))
    assert len(big._vocab) > 1 << 16
    for entry in entries[::97]:
        assert top_id(big, entry.question) == entry.id
        assert top_id(big, entry.answer) == entry.id


def test_an_index_whose_pair_keys_pass_2_to_the_32_builds_and_finds_its_entries() -> None:
    # 645,000 grams × 16,000 question-side texts: (text, gram) keys need 64 bits
    rng = random.Random(5)
    kanji = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]

    def text(n: int) -> str:
        return "".join(rng.choices(kanji, k=n))

    entries = [
        FaqEntry(f"e{i:04d}", text(8), text(400), tuple(text(6) for _ in range(6)))
        for i in range(1500)
    ]
    big = Matcher.build(entries)
    assert len(big._vocab) * sum(len(d.texts) for d in big._docs) > 1 << 32
    for entry in entries[::301]:
        assert top_id(big, entry.question) == entry.id
        assert top_id(big, entry.answer[:40]) == entry.id


def test_a_rebuild_with_a_memo_analyses_only_changed_entries_and_matches_as_from_scratch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace

    from knowledge import matcher as matcher_module
    from knowledge.matcher import BuildMemo

    analysed: list[int] = []
    docs = matcher_module._docs
    monkeypatch.setattr(matcher_module, "_docs", lambda kept, terms: analysed.append(len(kept)) or docs(kept, terms))
    memo = BuildMemo()
    Matcher.build(ENTRIES, GROUPS, memo=memo)
    edited = [replace(e, answer="Teamsの設定から通知をオフにします。") if i == 3 else e for i, e in enumerate(ENTRIES)]
    queries = ["vpn 遅い", "ﾊﾟｽﾜｰﾄﾞ忘れた", "通知をオフにしたい", "会議室を予約したい"]

    def ranked(m: Matcher) -> list[list[tuple[str, float]]]:
        return [[(c.entry.id, round(c.score, 6)) for c in m.match(q).candidates] for q in queries]

    rebuilt = Matcher.build(edited, GROUPS, memo=memo)
    enabled = sum(e.enabled for e in ENTRIES)
    assert analysed == [enabled, 1]  # the edited entry alone
    assert ranked(rebuilt) == ranked(Matcher.build(edited, GROUPS))
    # the same entries read again as new objects (lines added above moved them): none analysed
    Matcher.build([replace(e) for e in edited], GROUPS, memo=memo)
    assert analysed[-1] == 0
    # other synonyms: every entry reads differently, so none is taken from the memo
    Matcher.build(edited, GROUPS[:1], memo=memo)
    assert analysed[-1] == enabled
