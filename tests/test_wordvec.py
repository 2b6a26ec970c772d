"""Word vectors: content words, likeness by meaning, and the matcher without them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from knowledge import wordvec
from knowledge.faq import FaqEntry
from knowledge.matcher import Matcher


def test_content_words_leave_out_particles_and_light_verbs() -> None:
    found = dict(wordvec.words("パスワードを忘れたので再設定を申請する"))
    assert {"パスワード", "忘れる", "設定", "申請"} <= set(found)
    assert not {"を", "の", "た", "する", "ので"} & set(found)
    assert all(row >= 0 for row in found.values())  # every one of these has a vector


@pytest.mark.parametrize(
    ("query", "nearest", "others"),
    [
        ("自分の映像が相手に見えない", "カメラが映らない", ("画面を共有したい", "マイクの声が聞こえない")),
        ("申請が来たか知りたい", "届いた申請を確認する", ("申請を作成する",)),
        ("困ったときはどこに電話すればいい", "ヘルプデスクの問い合わせ先", ("プリンターで印刷できない",)),
        ("PCをなくした", "パソコンを紛失した", ("パソコンが遅い",)),
    ],
)
def test_a_query_is_nearest_the_text_that_means_the_same(query: str, nearest: str, others: tuple[str, ...]) -> None:
    scores = wordvec.scores(query, [wordvec.side([t]) for t in (nearest, *others)])
    assert scores[0].tolist() == [1.0, 1.0]  # relative to the best: the same meaning is best
    assert all(row[0] < 1.0 and row[1] < 1.0 for row in scores[1:])


def test_the_same_word_counts_fully_even_without_a_vector() -> None:
    assert wordvec.words("ザブジョンヌの設定") == (("ザブジョンヌ", -1), ("設定", wordvec._table().row["設定"]))
    scores = wordvec.scores("ザブジョンヌの設定", [wordvec.side(["ザブジョンヌを設定する"]), wordvec.side(["設定"])])
    assert scores[0].tolist() == [1.0, 1.0] and scores[1, 1] == 0.5  # one word of two


@pytest.fixture
def table_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point the matcher at another table file (the real one again afterwards)."""

    def use(path: Path) -> None:
        monkeypatch.setattr(wordvec, "TABLE", path)
        wordvec._table.cache_clear()

    try:
        yield use
    finally:
        monkeypatch.undo()
        wordvec._table.cache_clear()


@pytest.fixture
def no_table(tmp_path: Path, table_at: Callable[[Path], None]) -> None:
    table_at(tmp_path / "missing.npz")


def _damaged(tmp_path: Path, how: str) -> Path:
    good = wordvec.TABLE.read_bytes()
    path = tmp_path / "wordvec.npz"
    if how == "cut short":
        path.write_bytes(good[: len(good) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "bytes flipped":
        middle = len(good) // 2
        path.write_bytes(good[:middle] + bytes(b ^ 0xFF for b in good[middle : middle + 50]) + good[middle + 50 :])
    else:  # a well-formed file whose rows point past its vectors, or are not row numbers
        rows = {"rows out of range": np.array([0, 7]), "rows not integers": np.array([0.0, 1.0])}[how]
        np.savez(path, words=np.frombuffer("設定\n申請".encode(), dtype=np.uint8), rows=rows,
                 vectors=np.ones((2, 4), dtype=np.int8))
    return path


@pytest.mark.parametrize("how", ["cut short", "empty", "bytes flipped", "rows out of range", "rows not integers"])
def test_a_damaged_table_leaves_the_matcher_working_without_vectors(
    how: str, tmp_path: Path, table_at: Callable[[Path], None], caplog: pytest.LogCaptureFixture
) -> None:
    table_at(_damaged(tmp_path, how))
    entries = [FaqEntry(id="vpn", question="VPNにつながらないときは？", answer="再起動してください。")]
    result = Matcher.build(entries).match("VPNの設定を申請したい")
    assert not wordvec.available() and "単語ベクトル (wordvec.npz) を読み込めません" in caplog.text
    assert result.candidates[0].entry.id == "vpn"


def test_without_the_table_the_matcher_ranks_as_before(no_table: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    entries = [
        FaqEntry(id="vpn", question="VPNにつながらないときは？", answer="再起動してください。"),
        FaqEntry(id="print", question="プリンターで印刷できない", answer="電源を確かめてください。"),
    ]
    matcher = Matcher.build(entries)
    assert not wordvec.available() and "単語ベクトル (missing.npz) を読み込めません" in caplog.text
    result = matcher.match("VPNにつながらない")
    assert result.band == "answer" and result.candidates[0].entry.id == "vpn"
    assert wordvec.scores("VPNにつながらない", [wordvec.side(["VPN"])]) is None
