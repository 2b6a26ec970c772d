"""FAQ matching benchmark: our matcher against two baselines, on FAQs of growing size.

Run: ``.venv/bin/python bench/faq_bench.py [--sizes 100,1000,10000,100000] [--faq DIR]
[--cases CSV]``. Prints a table (not a test). The real entries always stay in the FAQ, so the
development queries stay answerable; the extra entries are synthesised by recombining
realistic fragments of prefectural-office helpdesk Japanese (systems, documents, actions,
symptoms), which makes them plausible distractors.

Systems compared:

- ``matcher``  — :class:`knowledge.matcher.Matcher` with its default settings and bands;
- ``wratio``   — naive ``rapidfuzz.process.extract(query, questions, scorer=fuzz.WRatio)``;
- ``bm25``     — ``bm25s`` over NFKC-casefolded character 1+2-grams of question, alternates
  and answer.

For the baselines, "answered" means the top score reaches a threshold chosen on the
development set at the smallest size (the lowest threshold whose answers are ≥95% right).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bm25s  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from bench.faq_reload import reference_seconds  # noqa: E402
from knowledge import normalize, readings  # noqa: E402
from knowledge.evaluate import Case, load_cases  # noqa: E402
from knowledge.faq import FaqEntry, load_faq  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402

SYSTEMS = (
    "財務会計システム",
    "人事給与システム",
    "文書管理システム",
    "庶務事務システム",
    "電子決裁",
    "グループウェア",
    "施設予約システム",
    "公用車予約システム",
    "旅費システム",
    "勤怠管理システム",
    "電子入札システム",
    "契約管理システム",
    "統合宛名システム",
    "税務システム",
    "例規集",
    "庁内ポータル",
    "電子申請システム",
    "GIS",
    "議会答弁システム",
    "備品管理システム",
    "研修管理システム",
    "公文書公開システム",
    "住民情報システム",
    "健康管理システム",
    "防災情報システム",
    "補助金管理システム",
    "物品調達システム",
    "福利厚生ポータル",
)
OBJECTS = (
    "申請書",
    "決裁文書",
    "出張命令",
    "休暇届",
    "超過勤務命令",
    "予算差引簿",
    "請求書",
    "旅費精算",
    "会議室",
    "公用車",
    "利用者権限",
    "共有フォルダ",
    "起案文書",
    "支出命令",
    "収入調定",
    "給与明細",
    "源泉徴収票",
    "扶養手当",
    "通勤手当",
    "住居手当",
    "年次有給休暇",
    "特別休暇",
    "代休",
    "時間外勤務",
    "備品台帳",
    "契約書",
    "見積書",
    "仕様書",
    "入札参加資格",
    "議事録",
    "文書番号",
    "保存年限",
    "電子署名",
    "組織変更",
    "人事異動",
    "職員番号",
    "名簿",
    "座席表",
    "内線番号",
    "メールアドレス",
)
ACTIONS = (
    "登録",
    "修正",
    "削除",
    "取消",
    "承認",
    "差戻し",
    "印刷",
    "検索",
    "出力",
    "引継ぎ",
    "代理入力",
    "一括登録",
    "再申請",
    "確認",
    "照会",
    "転送",
    "保存",
    "添付",
    "集計",
    "変更",
)
SYMPTOMS = (
    "エラーが出る",
    "画面が真っ白になる",
    "ボタンが押せない",
    "表示されない",
    "動作が遅い",
    "ログインできない",
    "文字化けする",
    "保存できない",
    "途中で止まる",
    "二重に登録された",
    "反映されない",
    "見つからない",
    "権限がないと表示される",
    "タイムアウトする",
)
ROLES = ("所属長", "庶務担当者", "新規採用職員", "会計年度任用職員", "出先機関の職員", "課長補佐")
TIMES = ("年度末", "月初", "異動の時期", "締切日", "休日", "夜間", "決算期", "4月1日")
ANSWER_BITS = (
    "{sys}のメニューから「{obj}」を選び、{act}ボタンを押してください。",
    "{act}には{role}の承認が必要です。承認後に自動で反映されます。",
    "{time}はアクセスが集中するため、時間をおいて再度お試しください。",
    "操作マニュアルは庁内ポータルの「{sys}」ページに掲載しています。",
    "解決しない場合は、画面のスクリーンショットを添えて{sys}のヘルプデスクへご連絡ください。",
    "{obj}の{act}は、締切日の前日17時までに完了してください。",
    "権限の追加は所属の庶務担当者から申請してください。反映まで2営業日かかります。",
    "ブラウザのキャッシュを削除し、{sys}を開き直すと改善することがあります。",
)
QUESTION_TEMPLATES = (
    "{sys}で{obj}を{act}するにはどうすればいいですか？",
    "{sys}の{obj}が{sym}ときは？",
    "{role}が{obj}を{act}する手順を教えてください",
    "{time}に{sys}で{obj}の{act}ができません",
    "{obj}の{act}を{sys}で行う方法",
    "{sys}で{sym}。{obj}の{act}ができない",
)
ALTERNATE_TEMPLATES = (
    "{obj} {act} {sys}",
    "{sys}の{obj}を{act}したい",
    "{obj}が{sym}",
    "{role}による{obj}の{act}",
)


def synthetic_entries(count: int, seed: int = 7) -> list[FaqEntry]:
    """``count`` distinct, plausible helpdesk entries (deterministic for a seed)."""
    rng = random.Random(seed)
    entries, seen = [], set()
    while len(entries) < count:
        parts = {
            "sys": rng.choice(SYSTEMS),
            "obj": rng.choice(OBJECTS),
            "act": rng.choice(ACTIONS),
            "sym": rng.choice(SYMPTOMS),
            "role": rng.choice(ROLES),
            "time": rng.choice(TIMES),
        }
        question = rng.choice(QUESTION_TEMPLATES).format(**parts)
        if question in seen:
            continue
        seen.add(question)
        alternates = tuple(t.format(**parts) for t in rng.sample(ALTERNATE_TEMPLATES, 2))
        answer = "".join(b.format(**parts) for b in rng.sample(ANSWER_BITS, 3))
        entries.append(
            FaqEntry(f"syn-{len(entries):06d}", question, answer, alternates, "業務システム")
        )
    return entries


def rss_mb() -> float:
    """Resident memory of this process (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- systems


@dataclass
class Ranked:
    ids: list[str]
    answered: bool
    score: float


class System:
    name = ""

    def build(self, entries: Sequence[FaqEntry], groups: Sequence[Sequence[str]]) -> None: ...

    def rank(self, query: str) -> Ranked: ...


class OurMatcher(System):
    name = "matcher"

    def build(self, entries, groups):
        self.m = Matcher.build(entries, groups)

    def rank(self, query):
        r = self.m.match(query, limit=3)
        top = r.candidates[0].score if r.candidates else 0.0
        return Ranked([c.entry.id for c in r.candidates], r.band == "answer", top)


class Thresholded(System):
    threshold = float("inf")

    def scored(self, query: str) -> tuple[list[str], float]: ...

    def rank(self, query):
        ids, score = self.scored(query)
        return Ranked(ids, score >= self.threshold, score)


class WRatio(Thresholded):
    name = "wratio"

    def build(self, entries, groups):
        self.questions = [e.question for e in entries]
        self.ids = [e.id for e in entries]

    def scored(self, query):
        hits = process.extract(query, self.questions, scorer=fuzz.WRatio, limit=3)
        return [self.ids[i] for _, _, i in hits], hits[0][1] if hits else 0.0


def nfkc_grams(text: str) -> list[str]:
    s = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    return [*s, *(s[i : i + 2] for i in range(len(s) - 1))]


class Bm25(Thresholded):
    name = "bm25"

    def build(self, entries, groups):
        self.ids = [e.id for e in entries]
        corpus = [nfkc_grams(" ".join((e.question, *e.alternates, e.answer))) for e in entries]
        self.r = bm25s.BM25()
        self.r.index(corpus, show_progress=False)

    def scored(self, query):
        grams = nfkc_grams(query) or ["\x00"]
        k = min(3, len(self.ids))
        docs, scores = self.r.retrieve([grams], k=k, show_progress=False, n_threads=1)
        return [self.ids[i] for i in docs[0]], float(scores[0][0])


# ---------------------------------------------------------------- measuring


@dataclass
class Row:
    system: str
    size: int
    queries: int
    top1: float
    recall3: float
    precision: float
    oos_rejection: float
    p50: float
    p99: float
    build_s: float
    mem_mb: float


def run(system: System, cases: Sequence[Case]) -> tuple[list[Ranked], list[float]]:
    results, times = [], []
    for case in cases:
        t0 = time.perf_counter()
        results.append(system.rank(case.query))
        times.append((time.perf_counter() - t0) * 1000)
    return results, times


def choose_threshold(results: Sequence[Ranked], cases: Sequence[Case]) -> float:
    """Lowest score threshold whose answers are at least 95% right (on the dev set)."""
    pairs = sorted(
        (
            (r.score, c.in_scope and bool(r.ids) and r.ids[0] in c.expected)
            for r, c in zip(results, cases, strict=True)
        ),
        reverse=True,
    )
    best, right = float("inf"), 0
    for n, (score, ok) in enumerate(pairs, start=1):
        right += ok
        if right / n >= 0.95:
            best = score
    return best


def summarise(name, size, cases, results, times, build_s, mem) -> Row:
    inscope = [(c, r) for c, r in zip(cases, results, strict=True) if c.in_scope]
    oos = [r for c, r in zip(cases, results, strict=True) if not c.in_scope]
    answered = [(c, r) for c, r in zip(cases, results, strict=True) if r.answered]
    right = sum(1 for c, r in answered if c.in_scope and r.ids[0] in c.expected)
    ordered = sorted(times)
    return Row(
        name,
        size,
        len(cases),
        sum(bool(r.ids) and r.ids[0] in c.expected for c, r in inscope) / max(1, len(inscope)),
        sum(any(i in c.expected for i in r.ids[:3]) for c, r in inscope) / max(1, len(inscope)),
        right / max(1, len(answered)),
        sum(not r.answered for r in oos) / max(1, len(oos)),
        statistics.median(times),
        ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
        build_s,
        mem,
    )


def measure(
    system: System, entries, groups, cases
) -> tuple[list[Ranked], list[float], float, float]:
    normalize.clear_cache()  # every build from scratch, as when the bot starts
    readings.clear_cache()
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    system.build(entries, groups)
    build_s = time.perf_counter() - t0
    gc.collect()
    mem = rss_mb() - before
    system.rank(cases[0].query)  # warm-up
    results, times = run(system, cases)
    return results, times, build_s, mem


def reload_time(entries: Sequence[FaqEntry], groups) -> tuple[float, float]:
    """Seconds to load a CSV FAQ of these entries from disk, and to build the matcher."""
    import csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "faq.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "question", "alternates", "answer", "category"])
            for e in entries:
                w.writerow([e.id, e.question, "|".join(e.alternates), e.answer, e.category])
        normalize.clear_cache()
        readings.clear_cache()
        t0 = time.perf_counter()
        load = load_faq(path, similar_limit=0)
        t1 = time.perf_counter()
        Matcher.build(load.entries, groups)
        return t1 - t0, time.perf_counter() - t1


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq", type=Path, default=ROOT / "content" / "faq")
    parser.add_argument("--cases", type=Path, default=ROOT / "tests" / "data" / "faq_eval.csv")
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--sample", type=int, default=200, help="queries at ≥ 100,000 entries")
    parser.add_argument(
        "--wratio-max",
        type=int,
        default=10000,
        help="largest size for the (slow, linear) WRatio baseline",
    )
    args = parser.parse_args(argv)

    load = load_faq(args.faq)
    real, groups = load.entries, load.synonym_groups
    cases = load_cases(args.cases)
    print(f"reference: 10 million additions in pure Python took {reference_seconds():.2f} s "
          "(0.30-0.35 s on a quiet day here; latencies scale with it)")
    print(
        f"FAQ {args.faq}: {len(real)} entries, {len(groups)} synonym groups; "
        f"{len(cases)} cases ({sum(not c.in_scope for c in cases)} out of scope)\n"
    )

    makers: list[Callable[[], System]] = [OurMatcher, Bm25, WRatio]
    thresholds: dict[str, float] = {}
    rows: list[Row] = []
    sizes = [len(real)] + [int(s) for s in args.sizes.split(",") if int(s) > len(real)]
    for size in sizes:
        entries = list(real) + synthetic_entries(size - len(real))
        sample = cases
        if size >= 100_000 and len(cases) > args.sample:
            sample = random.Random(1).sample(list(cases), args.sample)
        for make in makers:
            system = make()
            if system.name == "wratio" and size > args.wratio_max:
                continue
            results, times, build_s, mem = measure(system, entries, groups, sample)
            if isinstance(system, Thresholded):
                if system.name not in thresholds:
                    thresholds[system.name] = choose_threshold(results, sample)
                system.threshold = thresholds[system.name]
                results = [Ranked(r.ids, r.score >= system.threshold, r.score) for r in results]
            rows.append(summarise(system.name, size, sample, results, times, build_s, mem))
            del system
            print_row(rows[-1], header=len(rows) == 1)
    print(f"\nreference at the end: {reference_seconds():.2f} s")
    print(
        "baseline thresholds (chosen on the dev set at the smallest size):",
        {k: round(v, 3) for k, v in thresholds.items()},
    )
    for size in (10_000,):
        if size in sizes:
            entries = list(real) + synthetic_entries(size - len(real))
            load_s, build_s = reload_time(entries, groups)
            print(
                f"reload of a {size:,}-entry CSV FAQ: load_faq {load_s:.2f} s "
                f"(without the near-duplicate check) + Matcher.build {build_s:.2f} s"
            )


def print_row(row: Row, header: bool = False) -> None:
    if header:
        print(
            f"{'system':8} {'entries':>8} {'queries':>7} {'top-1':>6} {'rec@3':>6} "
            f"{'ans.prec':>8} {'OOS rej':>7} {'p50 ms':>7} {'p99 ms':>7} {'build s':>7} "
            f"{'mem MB':>7}"
        )
    print(
        f"{row.system:8} {row.size:>8,} {row.queries:>7} {row.top1:>6.3f} {row.recall3:>6.3f} "
        f"{row.precision:>8.3f} {row.oos_rejection:>7.3f} {row.p50:>7.2f} {row.p99:>7.2f} "
        f"{row.build_s:>7.2f} {row.mem_mb:>7.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
