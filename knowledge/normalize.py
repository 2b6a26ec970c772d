"""Normalise Japanese text for matching: width, case, kana, long vowels, okurigana, politeness.

Pipeline (the same for FAQ text and for user queries, so both sides meet):

1. :func:`fold_chars` — NFKC (ＶＰＮ→VPN, ﾊﾟｽﾜｰﾄﾞ→パスワード), casefold, katakana→hiragana,
   small kana→full size (ぁ→あ), long-vowel marks dropped (サーバー = サーバ), punctuation
   and whitespace collapsed to one space.
2. :class:`TermFolder` — every synonym variant replaced by its group's canonical term.
3. :mod:`knowledge.paraphrases` — built-in generic paraphrases and verb endings, the same for
   every FAQ (忘れちゃった→忘れた, やり方→方法, 給料→給与), after the admin's synonyms.
4. :func:`strip_boilerplate` — polite phrases that carry no meaning (教えてください, ですか…).
5. spaces removed, then :func:`drop_okurigana` — a single hiragana between two kanji goes
   (申し込み→申込み, 問い合わせ→問合わせ, 研修を受講→研修受講).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

import ahocorasick
import numpy as np

from knowledge import paraphrases

_KANA_OFFSET = ord("ァ") - ord("ぁ")
_KATAKANA = "".join(chr(c) for c in range(ord("ァ"), ord("ヶ") + 1))
_SMALL = {
    "ぁ": "あ",
    "ぃ": "い",
    "ぅ": "う",
    "ぇ": "え",
    "ぉ": "お",
    "ゎ": "わ",
    "ゕ": "か",
    "ゖ": "け",
}
_SPECIAL = {"ゔ": "ぶ", "ヷ": "わ", "ヺ": "を", "ヵ": "か", "ヶ": "け"}


def _fold_kana(ch: str) -> str:
    hira = chr(ord(ch) - _KANA_OFFSET) if ch in _KATAKANA else ch
    return _SPECIAL.get(ch) or _SPECIAL.get(hira) or _SMALL.get(hira, hira)


_KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"
_KANA = r"\u3041-\u309f\u30a0-\u30ff"
_DASHES = "-‐‑‒–—―−~〜～"
_DASH_IN_KANA = re.compile(rf"(?<=[{_KANA}])[{_DASHES}](?=[{_KANA}]|\n|$)")
_ANY_DASH = re.compile(f"[{_DASHES}]")
_OKURIGANA = re.compile(rf"(?<=[{_KANJI}])[\u3041-\u3096](?=[{_KANJI}])")
_SEPARATOR = re.compile(r"[^\w\n]|_")  # punctuation and spaces (texts are one per line)
_SPACE, _DROPPED = ord(" "), 0  # NUL never reaches the table: it is a separator itself

# The character pass of fold_chars as lookup tables over code points (numpy: about ten times
# faster than str.translate plus a regex on a large FAQ). _FOLD maps each code point to its
# folded one (_DROPPED for a long-vowel mark, _SPACE for a separator); separators are found
# lazily, for the characters a text brings, since deciding all 1.1 million at import is slow.
_FOLD = np.arange(0x110000, dtype=np.uint32)
_KNOWN = np.zeros(0x110000, dtype=bool)
for _code, _to in str.maketrans(
    {
        **{ch: _fold_kana(ch) for ch in (*_KATAKANA, *_SMALL, *_SPECIAL)},
        "ー": None,
        "ｰ": None,
    }
).items():
    _FOLD[_code] = _DROPPED if _to is None else ord(_to)
    _KNOWN[_code] = True


def _fold_points(text: str) -> str:
    """Katakana→hiragana, small kana→full size, long-vowel marks dropped, and each run of
    separators (punctuation, spaces, ``_``) turned into one space; newlines are kept."""
    # surrogatepass: a lone surrogate (JSON allows "\ud800") is a separator like any symbol
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    fresh = np.unique(points[~_KNOWN[points]])
    for code in fresh.tolist():  # the first time each character is seen
        if _SEPARATOR.match(chr(code)):
            _FOLD[code] = _SPACE
        _KNOWN[code] = True
    folded = _FOLD[points]
    folded = folded[folded != _DROPPED]
    space = folded == _SPACE
    keep = ~space
    keep[:1] = True
    keep[1:] |= ~space[:-1]  # the first of a run of separators stays, as one space
    return folded[keep].tobytes().decode("utf-32-le", "surrogatepass")

BOILERPLATE: tuple[str, ...] = (
    # requests and politeness
    "よろしくお願いいたします",
    "よろしくお願いします",
    "お願いいたします",
    "お願いします",
    "よろしくです",
    "よろしく",
    "恐れ入りますが",
    "恐れ入ります",
    "すみません",
    "すいません",
    "こんにちは",
    "お疲れ様です",
    "おつかれさまです",
    "質問があります",
    "質問です",
    "教えていただけますか",
    "教えていただけませんか",
    "教えてもらえますか",
    "教えてください",
    "教えて下さい",
    "教えてほしい",
    "教えて欲しい",
    "教えて",
    "おしえて",
    "知りたいのですが",
    "知りたいです",
    "知りたい",
    "ください",
    "下さい",
    # "how do I ..."
    "したいのですが",
    "したいんですが",
    "したいんだけど",
    "どうすればいいですか",
    "どうすればよいですか",
    "どうしたらいいですか",
    "どうしたらよいですか",
    "どうすればいい",
    "どうすればよい",
    "どうしたらいい",
    "どうしたらよい",
    "どうすれば",
    "どうしたら",
    # 「…すればいい」「…したらいい」 without どう: the same "how do I" ending
    "すればいいですか",
    "すればよいですか",
    "すればいい",
    "すればよい",
    "したらいいですか",
    "したらよいですか",
    "したらいい",
    "したらよい",
    "ればいいですか",
    "ればよいですか",
    "ればいい",
    "ればよい",
    "どうやって",
    "どうやるんでしたっけ",
    "どうやるんだっけ",
    "どうやるの",
    # 「…だっけ」「…でしたっけ」: asking to be reminded says nothing of the topic
    "でしたっけ",
    "んだっけ",
    "だっけ",
    "やり方",
    "方法",
    "手順を",
    "について",
    # hedges: how sure the asker is says nothing about the topic
    "かもしれない",
    "かもしれません",
    "と思うのですが",
    "と思います",
    # sentence endings (a "what is" ending is kept: it tells a definition question apart)
    "でしょうか",
    "ますでしょうか",
    "のでしょうか",
    "のでしょう",
    "でしょう",
    "ですか",
    "ますか",
    "ですが",
    "のですが",
    "んですが",
)


def fold_chars(text: str) -> str:
    """Character-level folding; words stay separated by single spaces."""
    return _fold_chars_lines((text,))


# NFKC's most frequent mappings in Japanese text (full-width punctuation, the ideographic
# space), done by str.replace so that most texts need no normalisation pass of their own.
_COMMON_WIDE = tuple((wide, unicodedata.normalize("NFKC", wide)) for wide in "？！（）：／％＆＋＝＠＃\u3000")


def _fold_chars_lines(texts: Sequence[str]) -> str:
    """:func:`fold_chars` of each text (a newline inside one counts as a space), joined by
    newlines: one pass over the whole."""
    text = "\n".join(t.replace("\n", " ") for t in texts)
    for wide, narrow in _COMMON_WIDE:
        text = text.replace(wide, narrow)
    if not unicodedata.is_normalized("NFKC", text):
        text = "\n".join(
            line if unicodedata.is_normalized("NFKC", line) else unicodedata.normalize("NFKC", line)
            for line in text.split("\n")
        )
    text = text.casefold()
    if _ANY_DASH.search(text):
        text = _DASH_IN_KANA.sub("ー", text)
    text = _fold_points(text)
    return "\n".join(line.strip() for line in text.split("\n"))


def drop_okurigana(text: str) -> str:
    """Drop a single hiragana between two kanji: okurigana (申し込み) or a particle (研修を受講)."""
    return _OKURIGANA.sub("", text)


def _is_ascii_word(term: str) -> bool:
    return term.isascii() and term.replace(" ", "").isalnum()


def _trie(terms: Iterable[str]) -> str:
    """A regex alternation of terms as a trie: fast, and it prefers the longest term."""
    root: dict = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


_FEW_FIRST_CHARS = 40  # measured: below this a single trie is faster


def _script(ch: str) -> int:
    return 0 if "\u3041" <= ch <= "\u309f" else 1 if _KANJI_CHAR.match(ch) else 2


def _alternation(terms: Iterable[str]) -> str:
    """A regex for the leftmost-longest match of any of the (non-empty) terms.

    With many first characters, one trie per script of the first character (hiragana,
    kanji, other), each behind a lookahead for its first characters: the regex engine then
    tries a few dozen branches at a position instead of hundreds (about twice as fast), with
    the same matches. With few, one trie, which the engine scans for faster still.
    """
    unique = {term for term in terms if term}
    if len({term[0] for term in unique}) <= _FEW_FIRST_CHARS:
        return _trie(unique) if unique else ""
    groups: dict[int, list[str]] = {}
    for term in unique:
        groups.setdefault(_script(term[0]), []).append(term)
    return "|".join(
        f"(?=[{''.join(sorted({re.escape(t[0]) for t in group}))}])(?:{_trie(group)})"
        for _, group in sorted(groups.items())
    )


_ASCII_ALNUM = re.compile("[a-z0-9]")
_KANJI_CHAR = re.compile(f"[{_KANJI}]")


def _whole(term: str, text: str, start: int, end: int) -> bool:
    """ASCII words and single characters count only as whole words (ID not inside idle,
    家 not inside 専門家); ``text[start:end]`` is the term."""
    if _is_ascii_word(term):
        edge = _ASCII_ALNUM
    elif len(term) == 1:
        edge = _KANJI_CHAR
    else:
        return True
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return not (edge.match(before) or edge.match(after))


_PARTICLES = "をはがにでへも"
_BOILERPLATE_RE = re.compile(
    _alternation(f"{particle}{fold_chars(p)}" for p in BOILERPLATE for particle in ("", *_PARTICLES))
)


class TermFolder:
    """Replace every variant of a synonym group by the group's first (canonical) term.

    Terms are found leftmost-longest by an Aho-Corasick automaton (pyahocorasick): one pass
    whose cost does not grow with the number of terms, where a regex alternation of the
    built-in paraphrases and an admin's dictionary tried hundreds of branches per character.
    """

    def __init__(self, groups: Iterable[Sequence[str]] = ()) -> None:
        self._canonical: dict[str, str] = {}
        self._add(groups)
        if len(self):  # guards (paraphrases.GUARDS) only matter where something folds; added
            self._add((word,) for word in paraphrases.GUARDS)  # last: a group naming one decides
        self._automaton: ahocorasick.Automaton | None = None
        if len(self):  # words that only map to themselves change nothing on their own
            self._automaton = ahocorasick.Automaton()
            for term, canonical in self._canonical.items():
                # Only ASCII words and single characters need the whole-word check.
                edged = len(term) == 1 or _is_ascii_word(term)
                self._automaton.add_word(term, (len(term) - 1, term, canonical, edged))
            self._automaton.make_automaton()
        digest = hashlib.blake2b(repr(sorted(self._canonical.items())).encode(), digest_size=16)
        self.key = digest.hexdigest()

    def _add(self, groups: Iterable[Sequence[str]]) -> None:
        for group in groups:
            folded = [fold_chars(term) for term in group if term and str(term).strip()]
            folded = [term for term in folded if term]
            if not folded:
                continue
            canonical = folded[0]
            for variant in folded[1:]:
                for form in (variant, drop_okurigana(variant)):
                    if form != canonical:
                        self._canonical.setdefault(form, canonical)
            # The canonical term maps to itself so that a shorter variant cannot match
            # inside it (パスワ inside パスワード); a group of one term does only that.
            self._canonical.setdefault(canonical, canonical)

    def __len__(self) -> int:
        return sum(v != k for k, v in self._canonical.items())

    def fold(self, text: str) -> str:
        """Fold variants in text already passed through :func:`fold_chars`."""
        if self._automaton is None:
            return text
        # Every match, then the longest at each start, left to right. (pyahocorasick's own
        # iter_long misses a term nested in a longer one that the text cuts short.) Matches
        # come in the order they end, so of those starting at one place the longest is last.
        longest = {last - found[0]: found for last, found in self._automaton.iter(text)}
        parts: list[str] = []
        copied = end = 0
        for start in sorted(longest):
            if start < end:
                continue  # inside the term just taken
            _, term, canonical, edged = longest[start]
            end = start + len(term)  # taken even when left as it is: 家 in 専門家 stays
            if canonical != term and (not edged or _whole(term, text, start, end)):
                parts += (text[copied:start], canonical)
                copied = end
        if not parts:
            return text
        parts.append(text[copied:])
        return "".join(parts)


def strip_boilerplate(text: str) -> str:
    """Remove polite phrases (with a particle left before them) and a final particle.

    The text is kept as it is if nothing else would be left.
    """
    return _tidy(_BOILERPLATE_RE.sub(" ", text), text)


def says_something(text: str) -> bool:
    """Whether a text holds more than polite phrases (「よろしくお願いします」 does not)."""
    folded = fold_generic(fold_chars(text))
    return bool(_BOILERPLATE_RE.sub(" ", folded).replace(" ", ""))


def _tidy(stripped: str, text: str) -> str:
    """The end of :func:`strip_boilerplate`, once the phrases are replaced by spaces."""
    stripped = stripped.strip()
    if len(stripped) > 2 and stripped[-1] in _PARTICLES:
        stripped = stripped[:-1]
    return stripped if stripped else text


_NO_TERMS = TermFolder()
_BUILTIN = TermFolder(paraphrases.GROUPS)


def fold_generic(text: str) -> str:
    """Built-in paraphrases and verb endings, on text passed through :func:`fold_chars`."""
    return _BUILTIN.fold(paraphrases.fold_endings(text))


def normalize(text: str, terms: TermFolder | None = None, *, boilerplate: bool = True) -> str:
    """The full pipeline: the form used for indexing and matching (no spaces).

    ``boilerplate=False`` keeps polite phrases (for answers, which are not questions).
    """
    folded = fold_generic((_NO_TERMS if terms is None else terms).fold(fold_chars(text)))
    if boilerplate:
        folded = strip_boilerplate(folded)
    return drop_okurigana(folded.replace(" ", ""))


def normalize_many(
    texts: Sequence[str], terms: TermFolder | None = None, *, boilerplate: bool = True
) -> list[str]:
    """:func:`normalize` of many texts at once, with the same result as one by one.

    After :func:`fold_chars` (which leaves no newline) the texts are joined by newlines, and
    each later step runs once over the whole: no term, phrase or ending contains a newline,
    and one counts as a text boundary wherever a step looks at a neighbour.
    """
    if not texts:
        return []
    folded = _fold_chars_lines(texts)
    folded = fold_generic((_NO_TERMS if terms is None else terms).fold(folded))
    if boilerplate:
        parts = folded.split("\n")
        stripped = _BOILERPLATE_RE.sub(" ", folded).split("\n")
        folded = "\n".join(_tidy(a, b) for a, b in zip(stripped, parts, strict=True))
    return drop_okurigana(folded.replace(" ", "")).split("\n")


_CACHE: dict[tuple[str, bool], dict[str, str]] = {}  # (terms, boilerplate) -> text -> form
_CACHE_LIMIT = 1_000_000  # texts; a build of N entries uses about 9 N (readings included)


def clear_cache() -> None:
    """Forget every remembered text (benchmarks time index builds from scratch)."""
    _CACHE.clear()


def normalize_cached_many(
    texts: Sequence[str], terms: TermFolder, boilerplate: bool = True
) -> list[str]:
    """:func:`normalize` of many texts, remembered: rebuilding an index after a small edit of a
    large FAQ re-normalises only the texts that changed (folders with the same terms share
    entries). The ones not remembered go through :func:`normalize_many` together."""
    cache = _CACHE.setdefault((terms.key, boilerplate), {})
    found = [cache.get(t) for t in texts]  # None: not remembered
    missing = list(dict.fromkeys(t for t, f in zip(texts, found, strict=True) if f is None))
    fresh = dict(zip(missing, normalize_many(missing, terms, boilerplate=boilerplate), strict=True))
    if sum(map(len, _CACHE.values())) + len(fresh) > _CACHE_LIMIT:
        kept = {t: f for t, f in zip(texts, found, strict=True) if f is not None}
        _CACHE.clear()
        _CACHE[(terms.key, boilerplate)] = kept | fresh  # what this build uses stays
    else:
        cache.update(fresh)
    return [fresh[t] if f is None else f for t, f in zip(texts, found, strict=True)]
