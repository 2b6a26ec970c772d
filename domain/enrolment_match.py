"""Which course a free-text request names (「Udemy を使いたい」 → the Udemy licence course).

Keys come from each course's title and category, folded with the FAQ normaliser and split
where the script changes (漢字 / かな / ASCII); generic words (研修, DX, 養成, 級 ...) are
dropped, and long kanji compounds also yield their parts (推進員 in 活用推進員). A course is
named when one of its keys appears in the folded text; the longest key wins, and a tie
between courses is settled by the courses this person is offered, or not at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from functools import lru_cache

from knowledge.catalogue import Catalogue, Course
from knowledge.normalize import normalize

_GENERIC = ("研修", "dx", "養成", "級", "でじたる", "職員", "申請")
_WITHDRAW = r"キャンセル(?!待ち)|取り?消|取消|とりけ|取り?下げ|辞退|解約"  # not キャンセル待ち
_CANCEL = re.compile(_WITHDRAW + r"|やめ|止め|返却")  # also 「動画を止めたい」: not always a withdrawal
_WITHDRAWS = re.compile(_WITHDRAW)
_TRAINING = re.compile(r"研修|講座|セミナー|ラーニング|udemy|申込|申し込", re.IGNORECASE)
_RUNS = re.compile(r"[a-z0-9]+|[\u3040-\u309f\u30fc]+|[\u4e00-\u9fff々]+")
_KANJI = re.compile(r"^[\u4e00-\u9fff々]+$")
_WORDS = re.compile(r"[\s()（）【】「」・/／]+")


def _strip(run: str) -> str:
    for word in _GENERIC:
        run = run.replace(word, "")
    return run


def _parts(run: str) -> Iterable[str]:
    """A run and, for kanji compounds, its substrings of three or more characters."""
    yield run
    if _KANJI.match(run) and len(run) > 3:
        for size in range(3, len(run)):
            for start in range(len(run) - size + 1):
                yield run[start:start + size]


@lru_cache(maxsize=512)
def course_keys(title: str, category: str) -> frozenset[str]:
    keys: set[str] = set()
    words = [w for source in (title, category) for w in _WORDS.split(source) if w]
    for word in words:
        for run in _RUNS.findall(normalize(word, boilerplate=False)):
            core = _strip(run)
            minimum = 2 if _KANJI.match(core) else 3
            keys.update(k for k in _parts(core) if len(k) >= minimum)
    return frozenset(keys)


def asks_to_cancel(text: str) -> bool:
    """Whether a request asks to withdraw (「…をキャンセルしたい」「取り消して」「やめたい」)."""
    return bool(_CANCEL.search(unicodedata.normalize("NFKC", text)))


_APPLY = re.compile(r"申し?込|受講|受けたい|受けます|参加したい|参加します|にしたい|に変え|がいい|のほう|の方")


def applies(text: str) -> bool:
    """Whether a reply asks for a course (「…に申し込みたい」「…のほうにしたい」), not only names it."""
    return bool(_APPLY.search(unicodedata.normalize("NFKC", text)))


def withdraws(text: str) -> bool:
    """Whether a request plainly asks to withdraw (キャンセル, 取り消し, 辞退 ...; not
    「やめたい」「止めたい」, which may mean a video or a mail)."""
    return bool(_WITHDRAWS.search(unicodedata.normalize("NFKC", text)))


_WAITLIST_PLACE = re.compile(r"キャンセル待ち.*(?:順番|何番|なんばん|順位|何人|なんにん)")


def asks_waitlist_place(text: str) -> bool:
    """Whether a text asks for one's own place on a waiting list (「Udemyのキャンセル待ちの
    順番を知りたい」「キャンセル待ちは何番目？」): what the enrolment status shows."""
    return bool(_WAITLIST_PLACE.search(unicodedata.normalize("NFKC", text)))


def mentions_training(text: str) -> bool:
    """Whether a text speaks of training (研修, 講座, Udemy, 申込 ...): 「主任との会議」 does not,
    though 主任 is part of a course's name (主任級DX研修)."""
    return bool(_TRAINING.search(unicodedata.normalize("NFKC", text)))


def named_course(catalogue: Catalogue, text: str, offered: Collection[str] = ()) -> Course | None:
    """The one course ``text`` clearly names, or None (``offered``: course ids to prefer)."""
    folded = normalize(text)
    whole = [c for c in catalogue.courses if normalize(c.title, boilerplate=False) in folded]
    longest = max((len(c.title) for c in whole), default=0)
    if len([c for c in whole if len(c.title) == longest]) == 1:  # a title written out in full
        return next(c for c in whole if len(c.title) == longest)
    best: list[Course] = []
    best_score = 0
    for course in catalogue.courses:
        score = max((len(k) for k in course_keys(course.title, course.category) if k in folded),
                    default=0)
        if score and score == best_score:
            best.append(course)
        elif score > best_score:
            best, best_score = [course], score
    if len(best) > 1:
        best = [c for c in best if c.id in offered]
    return best[0] if len(best) == 1 else None
