"""Kana readings of FAQ texts (Sudachi's small dictionary)."""

from __future__ import annotations

from knowledge.readings import reading, readings


def test_words_with_kanji_are_replaced_by_their_reading() -> None:
    assert reading("住民票の写しを取りたい") == "ジュウミンヒョウのウツシをトリたい"
    assert reading("粗大ごみ") == "ソダイごみ"


def test_iteration_marks_are_read_with_their_kanji_and_kept_alone() -> None:
    assert reading("佐々木さん") == "ササキさん"
    assert reading("時々") == "トキドキ"
    assert "キゴウ" not in reading("社員々")  # a stray 々 is not read as "symbol"


def test_other_words_are_kept_as_written() -> None:
    assert reading("VPNに1時間つながらない") == "VPNに1ジカンつながらない"
    assert reading("パスワードをわすれた") == "パスワードをわすれた"
    assert reading("") == ""


def test_many_at_once_equal_one_by_one() -> None:
    texts = ["共済組合とは", "Teams", "共済組合とは", "昇給の時期"]
    assert readings(texts) == [reading(t) for t in texts]


def test_without_the_dictionary_texts_stay_as_written(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    import sudachipy

    from knowledge import readings as r

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("dictionary not found")

    monkeypatch.setattr(sudachipy, "Dictionary", broken)
    monkeypatch.setattr(r, "_CACHE", {})
    r.sudachi_dictionary.cache_clear()
    r.sudachi_tokenizer.cache_clear()
    try:
        assert readings(["印鑑登録をしたい", "VPN"]) == ["印鑑登録をしたい", "VPN"]
        assert "読みの辞書" in caplog.text
    finally:
        monkeypatch.undo()
        r.sudachi_dictionary.cache_clear()  # the next caller loads the real dictionary again
        r.sudachi_tokenizer.cache_clear()
    assert reading("印鑑登録") == "インカントウロク"


def test_a_long_run_of_kanji_is_kept_as_written() -> None:
    pasted = "漢字" * 20_000  # beyond what Sudachi accepts in one piece
    assert reading(f"{pasted}の表") == f"{pasted}のヒョウ"


def test_a_word_sudachi_fails_on_is_kept_as_written() -> None:
    from knowledge.readings import _read_word

    class PanicException(BaseException):  # what PyO3 raises when Rust code panics
        pass

    class Failing:
        def __init__(self, error: BaseException) -> None:
            self.error = error

        def tokenize(self, word: str) -> None:
            raise self.error

    class FailingMorpheme:  # known panics come from a morpheme's methods, too
        def surface(self) -> str:
            raise PanicException("byte index 3 is not a char boundary")

    class Tokenizer:
        def tokenize(self, word: str) -> list[FailingMorpheme]:
            return [FailingMorpheme()]

    assert _read_word(Failing(PanicException("boom")), "漢字") == "漢字"
    assert _read_word(Failing(RuntimeError("refused")), "漢字") == "漢字"
    assert _read_word(Tokenizer(), "漢字") == "漢字"
