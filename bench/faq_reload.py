"""Time loading and live-reloading a large synthetic FAQ (10,000 entries by default).

Usage: .venv/bin/python bench/faq_reload.py [N ...] [--repeat R]
Prints one row per size and layout (one file, or ten files): parsing + validation, the
near-duplicate check, Matcher.build from scratch (caches emptied, collector on), then the
seconds LiveData reports: a full load as the bot does it at start-up (parse, validate and
index with nothing cached and the cyclic garbage collector paused); a reload after an admin
edited one entry (unchanged files are cached, unchanged texts remembered, and of an edited
YAML file only the changed entries are parsed again; the bot skips the near-duplicate check
above 2,000 entries); after an edit that touched every answer in one file; and after the
admin replaced the whole FAQ with new entries (every file and every text new). Shared machines vary from run to run, so each reload is timed R times (3 by default,
new texts each time) and shown as median (fastest); the first line times a fixed piece of
pure Python, to compare machines and days.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from knowledge import normalize, readings, yaml_edits
from knowledge.faq import FaqEntry, Link, load_faq
from knowledge.faq_export import dump_faq_yaml
from knowledge.faq_live import faq_live
from knowledge.matcher import Matcher

SUBJECTS = [
    "VPN", "Teams", "OneDrive", "Outlook", "モバイルパソコン", "電子申請", "RPA", "Excel",
    "プリンター", "Wi-Fi", "パスワード", "共有フォルダ", "Udemy Business", "階層別研修",
    "庁内ポータル", "電子決裁", "オンライン会議", "スケジュール", "メール", "セキュリティ",
]
PROBLEMS = [
    "に接続できません", "が遅いです", "の使い方を教えて", "の申請方法は？", "でエラーが出ます",
    "を設定したい", "が起動しない", "のパスワードを忘れた", "の容量を増やしたい",
    "を自宅で使いたい", "の研修はありますか", "の問い合わせ先は？",
]
PLACES = ["庁舎内で", "自宅で", "出張先で", "本庁で", "地域機関で", "テレワーク中に", ""]


WORDS = [
    "申請書", "様式", "決裁", "承認", "予約", "会議室", "出張", "旅費", "勤務表", "休暇",
    "端末", "画面", "アカウント", "権限", "フォルダ", "ファイル", "共有", "印刷", "スキャン",
    "データ", "集計", "グラフ", "帳票", "マクロ", "アプリ", "更新", "証明書", "認証", "多要素",
    "スマートフォン", "カメラ", "マイク", "音声", "録画", "議事録", "チャネル", "チャット",
    "掲示板", "アンケート", "フォーム", "名簿", "住所", "予算", "契約", "入札", "文書", "保存",
    "削除", "復元", "バックアップ", "容量", "通知", "署名", "暗号化", "添付", "転送", "迷惑メール",
]


def synthetic_entries(n: int, seed: int = 1) -> list[FaqEntry]:
    """Varied questions built from word lists (near-duplicates are rare, as in real data)."""
    rnd = random.Random(seed)
    entries = []
    for i in range(n):
        subject, problem = rnd.choice(SUBJECTS), rnd.choice(PROBLEMS)
        place = rnd.choice(PLACES)
        a, b, c = rnd.sample(WORDS, 3)
        question = f"{place}{subject}の{a}と{b}{problem}"
        alternates = (f"{subject} {c}{problem}", f"{b}の{c}を{subject}で扱うには")
        answer = "\n".join(f"- 手順{k}: {subject}の{rnd.choice(WORDS)}画面で操作{rnd.randint(1, 99)}"
                           for k in range(1, 4))
        entries.append(
            FaqEntry(
                id=f"faq-{i:05d}",
                question=question,
                answer=answer,
                alternates=alternates,
                category=subject,
                tags=(subject, a),
                links=(Link("手引き", f"https://portal.example.lg.jp/faq/{i}"),),
                follow_ups=(f"faq-{(i + 1) % n:05d}",),
            )
        )
    return entries


def write_csv(entries: list[FaqEntry], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ID", "質問", "言い換え", "回答", "カテゴリ", "タグ", "リンク", "関連FAQ"])
        for e in entries:
            w.writerow([e.id, e.question, "|".join(e.alternates), e.answer, e.category,
                        "|".join(e.tags), "\n".join(f"{x.title} {x.url}" for x in e.links),
                        "|".join(e.follow_ups)])


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def write_source(entries: list[FaqEntry], folder: Path, fmt: str, files: int) -> list[Path]:
    folder.mkdir()
    size = -(-len(entries) // files)
    paths = []
    for k in range(files):
        chunk = entries[k * size : (k + 1) * size]
        path = folder / f"faq{k:02d}.{fmt}"
        if fmt == "yaml":
            path.write_text(dump_faq_yaml(chunk), encoding="utf-8")
        else:
            write_csv(chunk, path)
        paths.append(path)
    return paths


def forget_texts() -> None:
    """Empty the normalisation and reading caches: the index is built from scratch, as when
    the bot starts or every file changed."""
    normalize.clear_cache()
    readings.clear_cache()
    yaml_edits.forget()


def reference_seconds() -> float:
    """A fixed piece of pure Python (ten million additions): how fast this machine is now."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def spread(seconds: list[float]) -> str:
    """Median (fastest) of repeated timings."""
    return f"{statistics.median(seconds):.2f} ({min(seconds):.2f})"


def edit_one_entry(path: Path, k: int) -> None:
    """What an admin usually does: reword one answer in one file."""
    text = path.read_text(encoding="utf-8-sig")
    at = text.index("手順1")
    path.write_text(text[:at] + f"手順1 (改訂{k})" + text[at + 3 :], encoding="utf-8")


def bench(n: int, fmt: str, files: int, root: Path, repeat: int) -> tuple[str, ...]:
    entries = synthetic_entries(n)
    folder = root / f"{fmt}-{n}-{files}"
    paths = write_source(entries, folder, fmt, files)
    _, t_parse = timed(lambda: load_faq(folder, similar_limit=0))
    load, t_load = timed(lambda: load_faq(folder))
    assert not load.errors, load.errors[:3]
    forget_texts()
    _, t_index = timed(lambda: Matcher.build(load.entries))
    full, one, every, replaced = [], [], [], []
    for k in range(repeat):
        shutil.rmtree(folder)
        paths = write_source(synthetic_entries(n, seed=10 + k), folder, fmt, files)
        forget_texts()
        live = faq_live(folder)
        full.append(live.load().build_seconds)  # what the bot does at start-up: nothing cached
        edit_one_entry(paths[0], k)
        status = asyncio.run(live.reload())
        assert status.count == n and not status.errors, status.errors[:3]
        one.append(status.build_seconds)
        # every answer in one file reworded (a search and replace): that file's answers are new
        edited = paths[0]
        edited.write_text(edited.read_text(encoding="utf-8-sig").replace("手順", "ステップ"),
                          encoding="utf-8")
        status = asyncio.run(live.reload())
        assert status.count == n and not status.errors, status.errors[:3]
        every.append(status.build_seconds)
        # the admin replaces the whole FAQ: every file and every text is new (the word lists are
        # small, so some questions recur across seeds: nothing is remembered from before)
        forget_texts()
        shutil.rmtree(folder)
        write_source(synthetic_entries(n, seed=100 + k), folder, fmt, files)
        status = asyncio.run(live.reload())
        assert status.count == n and not status.errors, status.errors[:3]
        replaced.append(status.build_seconds)
    return (fmt, str(n), str(files), f"{t_parse:.2f}", f"{t_load - t_parse:.2f}",
            f"{t_index:.2f}", spread(full), spread(one), spread(every), spread(replaced))


def main() -> None:
    # the bot logs the FAQ's warnings on every build; here that is only the skipped near-duplicate
    # check, said once per reload
    logging.getLogger("knowledge.live").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description="Time loading and live-reloading a large FAQ.")
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10_000], metavar="N",
                        help="numbers of entries (default: 1000 10000)")
    parser.add_argument("--repeat", type=int, default=3, metavar="R",
                        help="times each reload is measured (default: 3)")
    args = parser.parse_args()
    print(f"reference: 10 million additions in pure Python took {reference_seconds():.2f} s")
    headers = ("format", "entries", "files", "parse+validate s", "near-dup s", "index s",
               "full load s", "1 entry edited s", "1 file's answers edited s",
               "all replaced s")
    print(" | ".join(headers))
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for fmt, files in (("yaml", 1), ("yaml", 10), ("csv", 1), ("csv", 10)):
                print(" | ".join(bench(n, fmt, files, Path(tmp), max(1, args.repeat))), flush=True)


if __name__ == "__main__":
    main()
