"""``python -m knowledge``: admin tools for the FAQ (validate, import/export, ask, eval, lint, report).

Exit codes: 0 = OK, 1 = problems found (or the data could not be read), 2 = wrong usage.
``lint`` still runs its FAQ checks when the query log cannot be read, and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import errno
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

from pydantic import Field, ValidationError, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.content import CONTENT_DIR
from knowledge.dates import parse_day
from knowledge.faq import FaqEntry, FaqLoad, load_faq
from knowledge.match_settings import INTENT_MATCHING, MatchSettings
from knowledge.sources import DataFileError, some
from knowledge.synonyms import SynonymLoad, is_synonym_file, load_synonyms
from knowledge.usage import JapaneseArgumentParser

JST = timezone(timedelta(hours=9), "JST")
DEFAULT_DB = "sqlite+aiosqlite:///data/dxbot.sqlite3"


class Places(BaseSettings):
    """Where the bot's data is: the environment variables, or a ``.env`` file in the current
    folder, as the bot reads them (so the commands check what the bot serves)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    faq_dir: Path = CONTENT_DIR / "faq"
    org_dir: Path = CONTENT_DIR / "org"
    courses_dir: Path = CONTENT_DIR / "courses"
    intents_file: Path = CONTENT_DIR / "intents.yaml"
    database_url: str = DEFAULT_DB
    faq_answer_threshold: float | None = Field(None, ge=0, le=1)  # as the bot's (ask)
    faq_clarify_threshold: float | None = Field(None, ge=0, le=1)

    @field_validator("faq_dir", "org_dir", "courses_dir", "intents_file", "faq_answer_threshold",
                     "faq_clarify_threshold", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():  # FAQ_DIR= left empty, as the bot reads it
            raise PydanticUseDefault()
        return value



def _print_load(load: FaqLoad | SynonymLoad, out: TextIO, *, warnings: bool = True) -> None:
    for error in load.errors:
        print(f"エラー: {error}", file=out)
    if warnings:
        for warning in load.warnings:
            print(f"警告: {warning}", file=out)


def _nothing_served(load: FaqLoad, path: Path, what: str = "有効な FAQ ") -> list[str]:
    """An error for a FAQ (or phrase file) without one enabled entry: the running bot refuses
    such a change and keeps answering from the last good version (an empty start only warns)."""
    if load.errors or any(e.enabled for e in load.entries):
        return []
    return [f"{path.name}: {what}が 1 件もありません。動いているボットはこの変更を読み込まず、前の内容で答え続けます"
            " (ファイルを空にしたり、すべてを無効にしたりしていないか確かめてください)"]


def _load_ok(path: Path, out: TextIO) -> FaqLoad | None:
    """Load the FAQ; print its errors and return None if it cannot be used."""
    load = load_faq(path)
    if load.errors:
        _print_load(load, out, warnings=False)
        print(f"FAQ にエラーが {len(load.errors)} 件あります。直してからやり直してください。",
              file=out)
        return None
    return load


# ---------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    if args.faq.is_file() and is_synonym_file(args.faq):  # the dictionary on its own
        syn = load_synonyms(args.faq)
        _print_load(syn, out)
        print(f"表記ゆれ辞書 {args.faq.name}: 同義語グループ {len(syn.groups)} 件、"
              f"エラー {len(syn.errors)} 件、警告 {len(syn.warnings)} 件", file=out)
        return 1 if syn.errors else 0
    load = load_faq(args.faq)
    load.errors += _nothing_served(load, args.faq)
    _print_load(load, out)
    names = ", ".join(p.name for p in load.files) or "なし"
    print(
        f"ファイル {len(load.files)} 件 ({names})、FAQ {len(load.entries)} 件、"
        f"同義語グループ {len(load.synonyms)} 件: エラー {len(load.errors)} 件、"
        f"警告 {len(load.warnings)} 件",
        file=out,
    )
    return 1 if load.errors else 0


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    """Every data set the bot reads: FAQ, organisation, courses and the phrases that call its
    features (intents), as the bot would load them."""
    from knowledge.catalogue import load_catalogue
    from knowledge.directory import load_directory

    faq = load_faq(args.faq)
    org = load_directory(args.org)
    courses = load_catalogue(args.courses)
    intents = load_faq(args.intents)
    faq.errors += _nothing_served(faq, args.faq)
    intents.errors += _nothing_served(intents, args.intents, "有効な言い回し")
    results = (
        ("FAQ", args.faq, faq.errors, faq.warnings,
         f"FAQ {len(faq.entries)} 件、同義語グループ {len(faq.synonyms)} 件"),
        ("組織", args.org, org.errors, org.warnings,
         f"所属 {len(org.directory.units)} 件、職員 {len(org.directory.people)} 人"),
        ("研修", args.courses, courses.errors, courses.warnings,
         f"研修 {len(courses.catalogue)} 件、日程 {sum(len(c.sessions) for c in courses.catalogue.courses)} 件"),
        ("言い回し", args.intents, intents.errors, intents.warnings, f"言い回し {len(intents.entries)} 件"),
    )
    for label, path, errors, warnings, counts in results:
        print(f"■ {label} ({path}): {counts}、エラー {len(errors)} 件、警告 {len(warnings)} 件", file=out)
        for error in errors:
            print(f"  エラー: {error}", file=out)
        for warning in warnings:
            print(f"  警告: {warning}", file=out)
    return 1 if any(errors for _, _, errors, _, _ in results) else 0


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    from knowledge.faq_export import dump_faq_yaml

    if args.out.suffix.lower() not in (".yaml", ".yml"):
        print(f"エラー: 書き出せるのは YAML (.yaml) です: {args.out}", file=sys.stderr)
        return 2
    if args.out.resolve() == args.src.resolve():
        print(f"エラー: 書き出し先が読み込んだファイルと同じです ({args.out})。別の名前を指定してください",
              file=sys.stderr)
        return 1
    if not args.src.exists():
        print(f"エラー: {args.src}: ファイルまたはフォルダがありません", file=sys.stderr)
        return 1
    if args.out.exists() and not args.force:
        print(f"エラー: {args.out} はすでにあります。上書きしてよければ --force を付けてください", file=sys.stderr)
        return 1
    load = _load_ok(args.src, out)
    if load is None:
        return 1
    _print_load(load, out)
    if not load.entries:  # never overwrite a FAQ with an empty one
        print(f"エラー: {args.src.name} に FAQ が 1 件もないため、{args.out} には書き出しません", file=sys.stderr)
        return 1
    comment = f"{args.src.name} から python -m knowledge import で作成しました"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump_faq_yaml(load.entries, comment), encoding="utf-8")
    print(f"{len(load.entries)} 件を {args.out} に書き出しました", file=out)
    if args.src.is_file() and args.out.resolve().parent == args.src.resolve().parent:
        print(f"注意: {args.src.name} と同じフォルダに書き出しました。FAQ フォルダなら両方が読まれて ID が"
              "重複するので、どちらか一方だけを置いてください", file=out)
    elif _same_place(args.out.parent, args.faq_dir):
        print("注意: ボットが読む FAQ フォルダ ($FAQ_DIR) に書き出しました。ほかのファイルに同じ ID があると、"
              "ボットはこの変更を読み込みません (python -m knowledge validate で確かめてください)", file=out)
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from knowledge.faq_export import (
        EXCEL_CELL_LIMIT,
        split_when_read_back,
        too_long_for_excel,
        write_faq_xlsx,
    )

    if args.out.suffix.lower() != ".xlsx":
        print(f"エラー: 書き出せるのは Excel ブック (.xlsx) です: {args.out}", file=sys.stderr)
        return 2
    if args.out.is_file() and not args.force:
        print(f"エラー: {args.out} はすでにあります。上書きしてよければ --force を付けてください", file=sys.stderr)
        return 1
    folder = args.out.parent
    if not args.force and any(p.is_dir() and _same_place(folder, p) for p in (args.faq, args.faq_dir)):
        print(f"エラー: {folder} は FAQ のフォルダです。ここに書き出すと同じ ID が 2 つずつになり、ボットは"
              "FAQ の変更を読み込まなくなります。別の場所に書き出してください (Excel だけで管理するなら、"
              "元のファイルを移してから置きます。それでも書き出すなら --force)", file=sys.stderr)
        return 1
    load = _load_ok(args.faq, out)
    if load is None:
        return 1
    long = too_long_for_excel(load.entries)
    if long:
        print(f"警告: Excel のセルの上限 ({EXCEL_CELL_LIMIT:,} 文字) より長い FAQ があります ({some(long, 5)})。"
              "Excel で開くと切れるので、これらは YAML で編集してください", file=out)
    split = split_when_read_back(load.entries)
    if split:
        print(f"警告: 言い換えかタグに「|」か改行を含む FAQ があります ({some(split, 5)})。この Excel を"
              "読み込むと 2 つに分かれるので、それを外すか YAML で編集してください", file=out)
    count = write_faq_xlsx(load.entries, args.out)
    print(f"{count} 件を {args.out} に書き出しました (シート「FAQ」)", file=out)
    return 0


def _matcher(path: Path, out: TextIO, settings: MatchSettings | None = None):  # -> Matcher | None
    """A matcher over every entry that reads, for ``ask`` and ``eval``.

    Unlike the bot, which keeps its last good FAQ when a file has an error, these commands
    measure what can be measured: the errors are printed and the entries that read are used
    (the first of a duplicated id). Only a FAQ with no usable entry stops them.
    """
    from knowledge.matcher import Matcher

    load = load_faq(path, similar_limit=0)
    if not load.entries:
        _print_load(load, out, warnings=False)
        print("FAQ に使える項目がありません。", file=out)
        return None
    first: dict[str, FaqEntry] = {}
    for entry in load.entries:
        first.setdefault(entry.id, entry)
    if load.errors:
        for error in load.errors:
            print(f"警告: {error}", file=out)
        print(
            f"FAQ にエラーが {len(load.errors)} 件あります (ボットはこのままでは読み込みません)。"
            f"読めた {len(first)} 件で続けます。",
            file=out,
        )
    return Matcher.build(first.values(), load.synonym_groups, settings)


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    from knowledge.evaluate import explain

    given = {"answer_threshold": args.answer_threshold, "clarify_threshold": args.clarify_threshold}
    given = {k: v for k, v in given.items() if v is not None}
    phrases = _same_place(args.faq, args.intents_file)  # the bot's phrases: thresholds of their own
    if phrases:
        settings = replace(INTENT_MATCHING, **given)
    else:
        env = {"answer_threshold": args.env_answer, "clarify_threshold": args.env_clarify}
        settings = MatchSettings(**({k: v for k, v in env.items() if v is not None} | given))
    if settings.clarify_threshold > settings.answer_threshold:  # as the bot would refuse to start
        told = "" if phrases else "、または環境変数 FAQ_CLARIFY_THRESHOLD・FAQ_ANSWER_THRESHOLD"
        print(f"エラー: 候補の提示の基準 ({settings.clarify_threshold}) は回答の基準 ({settings.answer_threshold}) "
              f"以下にしてください (--clarify-threshold・--answer-threshold{told})", file=sys.stderr)
        return 2
    if phrases:
        print(f"機能を呼び出す言い回し ($INTENTS_FILE) なので、その基準 (回答 {settings.answer_threshold}、"
              f"次の候補との差 {settings.answer_margin}) で判定します。ボットはおおむね「回答」のときに"
              "その機能を呼び出し、それ以外は FAQ で答えます", file=out)
    matcher = _matcher(args.faq, out, settings)
    if matcher is None:
        return 1
    print(explain(matcher, args.question, args.limit), file=out)
    return 0


def _same_place(a: Path, b: Path) -> bool:
    """The same file or folder (through links and relative paths)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    from knowledge.evaluate import evaluate, format_report, load_cases

    notes = sys.stderr if args.json else out
    matcher = _matcher(args.faq, notes)
    if matcher is None:
        return 1
    try:
        cases = load_cases(args.cases)
    except DataFileError as exc:
        print(f"エラー: {exc}", file=notes)
        return 1
    except OSError as exc:
        print(f"エラー: {args.cases}: {_os_problem(exc)}", file=notes)
        return 1
    if not cases:
        print(f"エラー: {args.cases}: 評価する質問が 1 件もありません", file=notes)
        return 1
    known = {e.id for e in matcher.entries}
    unknown = sorted({i for c in cases for i in c.expected if i not in known})
    if unknown:
        print(f"警告: FAQ にない expected_id が {len(unknown)} 種類あります ({some(unknown, 5)})", file=notes)
    report = evaluate(matcher, cases)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False), file=out)
    else:
        print(format_report(report), file=out)
    return 0


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _read_log(db: str, since: datetime, until: datetime, out: TextIO):  # -> list | None
    from knowledge.querylog import QueryLogError, read_query_log

    try:
        return asyncio.run(read_query_log(db, since, until))
    except QueryLogError as exc:
        print(f"クエリログを読めません: {exc}", file=out)
    except Exception as exc:  # SQLAlchemy/driver errors: report, do not crash the admin tool
        print(f"クエリログを読めません: {_db_problem(exc)} (--db か環境変数 DATABASE_URL を確かめてください)",
              file=out)
    return None


def _db_problem(exc: Exception) -> str:
    """A database error without the SQL statement SQLAlchemy appends."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        return str(exc.orig).splitlines()[0] if str(exc.orig) else type(exc.orig).__name__
    if isinstance(exc, OSError):
        return f"データベースに接続できません: {_os_problem(exc)}"
    return f"{type(exc).__name__}: {exc}"


_ERRNO_TEXT = {
    errno.ENOENT: "ファイルまたはフォルダがありません",
    errno.EISDIR: "フォルダです (ファイル名を指定してください)",
    errno.ENOTDIR: "フォルダではありません",
    errno.EACCES: "読み書きする権限がありません",
    errno.EPERM: "読み書きする権限がありません",
    errno.ENOSPC: "ディスクに空きがありません",
    errno.ECONNREFUSED: "接続を拒否されました",
}


def _os_problem(exc: OSError) -> str:
    return _ERRNO_TEXT.get(exc.errno or 0, exc.strerror or str(exc))


def cmd_lint(args: argparse.Namespace, out: TextIO) -> int:
    from knowledge.similar import near_duplicates

    load = _load_ok(args.faq, out)
    if load is None:
        return 1
    problems = 0
    pairs, complete = near_duplicates(load.entries, load.synonym_groups)
    print(f"## 似すぎている FAQ ({len(pairs)} 組)", file=out)
    for pair in pairs:
        print(f"- {pair.message()}", file=out)
    if not complete:
        print("(似た質問が非常に多いため、確認は途中で打ち切りました)", file=out)
    problems += len(pairs)
    until = _utc_now()
    rows = _read_log(args.db, until - timedelta(days=args.days), until, out)
    if rows is None:  # no log yet: report what could be checked
        print("(クエリログなしで、使われていない FAQ は調べていません)", file=out)
        return 1 if problems else 0
    if not rows:
        print(f"## 直近 {args.days} 日のクエリログがないため、使われていない FAQ は調べていません",
              file=out)
        return 1 if problems else 0
    reached: set[str] = set()
    for row in rows:
        if row.chosen_id:
            reached.add(row.chosen_id)
        if row.band != "none":
            reached.update(entry_id for entry_id, _ in row.candidates[:3])
    unused = [e for e in load.entries if e.enabled and e.id not in reached]
    print(
        f"## 直近 {args.days} 日の {len(rows)} 件の質問で一度も候補に出なかった FAQ "
        f"({len(unused)} 件)",
        file=out,
    )
    for entry in unused:
        print(f"- {entry.id}「{entry.question}」({entry.location})", file=out)
    problems += len(unused)
    return 1 if problems else 0


def _share(text: str) -> float:
    """A number from 0 to 1 (a threshold)."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"0 から 1 の数で指定してください (「{text}」は読めません)") from None
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError(f"0 から 1 の数で指定してください (「{text}」)")
    return number


def _count(text: str) -> int:
    """A number of at least 1 (``ask --limit``)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"1 以上の数字で指定してください (「{text}」は読めません)") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"1 以上の数字で指定してください (「{text}」)")
    return number


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _period(since: date | None, until: date | None) -> tuple[datetime, datetime]:
    """JST calendar days (both inclusive) → naive UTC [start, end)."""
    last = until or datetime.now(JST).date()
    first = since or last - timedelta(days=29)

    def utc(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=JST).astimezone(UTC).replace(
            tzinfo=None
        )

    return utc(first), utc(last + timedelta(days=1))


REPORT_HEADERS = ("件数", "回答なし", "解決せず", "利用者数", "代表的な質問", "ほかの例", "出た候補")


REPORT_QUERY_CHARS = 100  # a pasted log or mail is cut, so that the table stays readable


def _short(text: str) -> str:
    return text if len(text) <= REPORT_QUERY_CHARS else text[:REPORT_QUERY_CHARS] + "…"


def report_rows(rows: Sequence, threshold: float = 80.0) -> list[list[str]]:
    """Group unanswered and unsolved questions by similarity, largest group first. A question
    whose 「もしかして」 choices were all passed over counts as unanswered."""
    from knowledge.normalize import normalize
    from knowledge.similar import cluster_texts

    def unanswered(r: Any) -> bool:
        return r.band == "none" or (r.band == "clarify" and not r.chosen_id)

    picked = [r for r in rows if unanswered(r) or r.feedback == "unsolved"]
    keys = [r.normalized or normalize(r.query) for r in picked]
    table = []
    for cluster in cluster_texts(keys, threshold):
        members = [picked[i] for i in cluster.members]
        queries = Counter(_short(r.query.strip()) for r in members)
        ranked = [q for q, _ in queries.most_common()]
        offered = Counter(r.chosen_id or r.top_id for r in members if r.chosen_id or r.top_id)
        table.append(
            [
                str(len(members)),
                str(sum(unanswered(r) for r in members)),
                str(sum(r.feedback == "unsolved" for r in members)),
                str(len({r.user_id for r in members})),
                ranked[0],
                " / ".join(ranked[1:4]),
                ", ".join(f"{i} ({n})" for i, n in offered.most_common(3)),
            ]
        )
    return table


def _markdown(table: list[list[str]], title: str) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"# {title}", "", "| " + " | ".join(REPORT_HEADERS) + " |",
             "|" + "|".join("---" for _ in REPORT_HEADERS) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table]
    if not table:
        lines.append("\n(該当する質問はありません)")
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    if args.since and args.until and args.since > args.until:
        print("エラー: --since が --until より後の日付です", file=out)
        return 2
    start, end = _period(args.since, args.until)
    rows = _read_log(args.db, start, end, sys.stderr)
    if rows is None:
        return 1
    table = report_rows(rows)
    first = start.replace(tzinfo=UTC).astimezone(JST).date()
    last = (end.replace(tzinfo=UTC).astimezone(JST) - timedelta(days=1)).date()
    title = f"答えられなかった・解決しなかった質問 ({first} 〜 {last}、全 {len(rows)} 件中)"
    if args.format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(REPORT_HEADERS)
        writer.writerows(table)
        text = buffer.getvalue()
    else:
        text = _markdown(table, title) + "\n"
    if args.out:
        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"  # BOM: Excel reads it
        args.out.write_text(text, encoding=encoding)
        print(f"{len(table)} グループを {args.out} に書き出しました", file=out)
    else:
        out.write(text)
    return 0


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = JapaneseArgumentParser(
        prog="python -m knowledge",
        description="DXサポートボットの FAQ を管理するコマンドです。",
        epilog="終了コード: 0 = 問題なし、1 = 問題あり、2 = 使い方の誤り。"
        "FAQ の場所は環境変数 FAQ_DIR (既定 content/faq)、組織は ORG_DIR、研修は COURSES_DIR、"
        "データベースは DATABASE_URL (既定 " + DEFAULT_DB + ")。ボットと同じく .env も読みます。",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="コマンド")
    try:
        places = Places()
    except (UnicodeDecodeError, OSError) as exc:  # a .env the bot could not read either
        print(f"警告: .env を読めないので、環境変数と既定の場所だけを使います (UTF-8 で保存してください): {exc}",
              file=sys.stderr)
        places = Places(_env_file=None)
    except ValidationError as exc:  # a threshold out of range: the bot would not start either
        bad = {str(e["loc"][0]): e["input"] for e in exc.errors()}
        names = "、".join(f"{name.upper()}「{value}」" for name, value in bad.items())
        print(f"警告: 設定 {names}を読めないので、既定の値を使います", file=sys.stderr)
        places = Places(**dict.fromkeys(bad))  # only those: the folders are still the bot's

    def faq_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--faq", type=Path, default=places.faq_dir, metavar="DIR",
                       help="FAQ のフォルダまたはファイル (既定: $FAQ_DIR または content/faq)")

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", default=places.database_url, metavar="URL",
                       help="クエリログのデータベース URL (既定: $DATABASE_URL)")

    p = sub.add_parser("validate", help="FAQ ファイルを検査し、エラーと警告を場所つきで表示する")
    faq_option(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("check", help="FAQ・組織・研修・言い回しのデータをまとめて検査する (ボットが読むとおりに)")
    faq_option(p)
    p.add_argument("--org", type=Path, default=places.org_dir, metavar="DIR",
                   help="組織データのフォルダ (既定: $ORG_DIR または content/org)")
    p.add_argument("--courses", type=Path, default=places.courses_dir, metavar="DIR",
                   help="研修データのフォルダ (既定: $COURSES_DIR または content/courses)")
    p.add_argument("--intents", type=Path, default=places.intents_file, metavar="FILE",
                   help="機能を呼び出す言い回しのファイル (既定: $INTENTS_FILE または content/intents.yaml)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("import", help="CSV/Excel の FAQ を YAML に変換する")
    p.add_argument("src", type=Path, metavar="SRC", help="読み込む .xlsx / .csv / .yaml")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.yaml", help="書き出す YAML")
    p.add_argument("--force", action="store_true", help="書き出す YAML がすでにあれば上書きする")
    p.set_defaults(func=cmd_import, faq_dir=places.faq_dir)

    p = sub.add_parser("export", help="FAQ をすべて 1 枚の Excel シートに書き出す")
    faq_option(p)
    p.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx", help="書き出す Excel")
    p.add_argument("--force", action="store_true",
                   help="書き出す Excel がすでにあっても、FAQ のフォルダの中でも書き出す")
    p.set_defaults(func=cmd_export, faq_dir=places.faq_dir)

    p = sub.add_parser("ask", help="質問を試し、上位の候補と点数・理由を表示する")
    p.add_argument("question", metavar="質問", help="試す質問文")
    faq_option(p)
    p.add_argument("--limit", type=_count, default=5, help="表示する候補の数 (既定 5)")
    default = MatchSettings()
    p.add_argument("--answer-threshold", type=_share, metavar="0..1",
                   help="回答する点数の基準 (既定: ボットと同じ $FAQ_ANSWER_THRESHOLD または "
                        f"{default.answer_threshold}。言い回しのファイルでは {INTENT_MATCHING.answer_threshold})")
    p.add_argument("--clarify-threshold", type=_share, metavar="0..1",
                   help=f"候補を示す点数の基準 (既定: $FAQ_CLARIFY_THRESHOLD または {default.clarify_threshold})")
    p.set_defaults(func=cmd_ask, intents_file=places.intents_file, env_answer=places.faq_answer_threshold,
                   env_clarify=places.faq_clarify_threshold)

    p = sub.add_parser("eval", help="評価用の質問集で正解率などを測る")
    faq_option(p)
    p.add_argument("--cases", type=Path, required=True, metavar="CASES.csv",
                   help="query, expected_id の列を持つ評価データ")
    p.add_argument("--json", action="store_true", help="結果を JSON 1 行で出力する")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("lint", help="似すぎた FAQ と、質問が一度も届かない FAQ を探す")
    faq_option(p)
    db_option(p)
    p.add_argument("--days", type=int, default=90, help="クエリログを見る日数 (既定 90)")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser(
        "report", help="答えられなかった・解決しなかった質問を似たものごとにまとめる"
    )
    db_option(p)
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD",
                   help="開始日 (日本時間、既定: 終了日の 29 日前)")
    p.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="終了日 (日本時間、含む。既定: 今日)")
    p.add_argument("--format", choices=("csv", "markdown"), default="markdown",
                   help="出力形式 (既定 markdown)")
    p.add_argument("--out", type=Path, metavar="FILE", help="書き出すファイル (既定: 画面)")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one command; returns the exit code instead of exiting."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    try:
        return int(args.func(args, out or sys.stdout))
    except BrokenPipeError:  # `validate | head`: the reader has gone, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a folder given as --out, a file without read permission, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"エラー: {where}{_os_problem(exc)}", file=out or sys.stdout)
        return 1
