"""Kana readings of FAQ texts, so that a question typed in hiragana meets the FAQ's kanji.

Staff often type a word as they say it (じゅうみんひょう, きょうさい, そだいごみ) when the
FAQ writes it in kanji (住民票, 共済, 粗大ごみ). Nothing in the characters links the two, so
the matcher also indexes each question and alternate as it is read: every run of kanji
(with up to two kana after it, for okurigana) is replaced by its reading from Sudachi's small
dictionary (Apache-2.0; 住民票の写しを取りたい → ジュウミンヒョウのウツシをトリたい), and the
rest is kept as written (VPN stays VPN). Runs are read once and remembered, so a large FAQ
costs its distinct words, not its length. Only FAQ texts are read, at index build (queries are
analysed only for word vectors: :mod:`knowledge.wordvec`, which shares the dictionary). Should
the dictionary be missing, the matcher works on without readings.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # not 々 〆 on their own
_LOCK = threading.Lock()  # a Sudachi tokenizer must not be used by two threads at once
_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 1_000_000


@cache
def sudachi_dictionary() -> Any | None:
    """Sudachi's small dictionary (loaded on first use), or None if it cannot be loaded."""
    try:
        from sudachipy import Dictionary

        return Dictionary(dict="small")
    except BaseException as exc:  # not installed, or a broken dictionary: readings are a bonus
        if not failed_in_sudachi(exc):
            raise
        log.warning("読みの辞書 (Sudachi) を読み込めません。読みと単語ベクトルなしで照合します: %s", exc)
        return None


@cache
def sudachi_tokenizer(*fields: str) -> Any | None:
    """A tokenizer (split mode C) giving these fields, or None without the dictionary."""
    dictionary = sudachi_dictionary()
    if dictionary is None:
        return None
    from sudachipy import SplitMode

    return dictionary.tokenizer(SplitMode.C, fields=set(fields))


def _tokenizer() -> Any | None:
    return sudachi_tokenizer("reading_form")


_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]+[\u3041-\u3096]{0,2}")
_RUNS: dict[str, str] = {}


_LONGEST_WORD = 200  # longer kanji runs (pasted tables, not words) are kept as written


def _read_word(tokenizer: Any, word: str) -> str:
    if len(word) > _LONGEST_WORD:
        return word
    try:
        return "".join(
            m.reading_form() if _IDEOGRAPH.search(m.surface()) else m.surface()
            for m in tokenizer.tokenize(word)
        )
    except BaseException as exc:  # Sudachi refuses some input: the word is kept as written
        if not failed_in_sudachi(exc):
            raise
        return word


def failed_in_sudachi(exc: BaseException) -> bool:
    """An error from Sudachi, including a panic in its Rust code (not an Exception)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _read(tokenizer: Any, text: str) -> str:
    def run(m: re.Match[str]) -> str:
        word = m.group(0)
        found = _RUNS.get(word)
        if found is None:
            if len(_RUNS) >= _CACHE_LIMIT:
                _RUNS.clear()
            found = _RUNS[word] = _read_word(tokenizer, word)
        return found

    return _RUN.sub(run, text)


def clear_cache() -> None:
    """Forget every remembered reading (benchmarks time index builds from scratch)."""
    _CACHE.clear()
    _RUNS.clear()


def reading(text: str) -> str:
    """The text with every word containing kanji replaced by its katakana reading.

    A text without kanji is returned as it is.
    """
    return readings([text])[0]


def readings(texts: Sequence[str]) -> list[str]:
    """:func:`reading` of many texts; remembered, so a rebuild re-reads only new texts."""
    out: list[str | None] = [t if not _KANJI.search(t) else _CACHE.get(t) for t in texts]
    missing = [t for t, r in zip(texts, out, strict=True) if r is None]
    if missing:
        with _LOCK:
            tokenizer = _tokenizer()
            if tokenizer is None:
                return list(texts)
            fresh = {t: _read(tokenizer, t) for t in dict.fromkeys(missing)}
        out = [fresh[t] if r is None else r for t, r in zip(texts, out, strict=True)]
        if len(_CACHE) + len(fresh) > _CACHE_LIMIT:
            _CACHE.clear()
            fresh = {t: r for t, r in zip(texts, out, strict=True) if r is not None}  # kept
        _CACHE.update(fresh)
    return [r if r is not None else t for t, r in zip(texts, out, strict=True)]
