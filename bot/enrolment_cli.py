"""``python app.py enrolment ...``: rosters (CSV / XLSX) and a per-course summary for admins.

    roster SESSION_ID|COURSE [--format csv|xlsx] [--out FILE]   (CSV without --out: shown)
    summary

Exit codes: 0 done, 1 unknown session, 2 the catalogue has errors (each printed with its
file and line) or bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.db import open_database
from bot.enrolment_admin import roster_slot
from bot.enrolment_cards import when
from bot.texts import enrolment as t
from domain import enrolment_reports as reports
from knowledge.catalogue import Catalogue, load_catalogue
from knowledge.usage import JapaneseArgumentParser


def _parser() -> argparse.ArgumentParser:
    parser = JapaneseArgumentParser(prog="python app.py enrolment", description="研修申込の名簿と集計")
    sub = parser.add_subparsers(dest="command", required=True, metavar="コマンド")
    roster = sub.add_parser("roster", help="日程の名簿を CSV か XLSX で出力します")
    roster.add_argument("session_id", metavar="SESSION_ID",
                        help="日程ID (例: nh-01)。日程が 1 つの研修なら研修名でも可")
    roster.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    roster.add_argument("--out", type=Path,
                        help="出力するファイル (CSV なら省略でき、そのときは画面に表示します)")
    sub.add_parser("summary", help="研修ごとの申込数・キャンセル待ち数・定員を表示します")
    return parser


def _catalogue(settings: Settings) -> Catalogue | None:
    loaded = load_catalogue(settings.courses_dir)
    for warning in loaded.warnings:
        print(f"注意: {warning}", file=sys.stderr)
    if loaded.errors:
        print("研修カタログに誤りがあります:", file=sys.stderr)
        for error in loaded.errors:
            print(f"  {error}", file=sys.stderr)
        return None
    return loaded.catalogue


async def _roster(settings: Settings, catalogue: Catalogue, args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.out is None:
        print("エラー: XLSX は --out FILE.xlsx に書き出します (画面に表示できるのは CSV です)", file=sys.stderr)
        return 2
    slot, sessions = roster_slot(catalogue, args.session_id)
    if slot is None and sessions:
        listed = "、".join(t.SESSION_ID.format(id=s.id, when=when(s)) for s in sessions)
        print(t.ROSTER_WHICH_CLI.format(course=sessions[0].course.title, sessions=listed), file=sys.stderr)
        return 1
    if slot is None:
        print(t.ROSTER_UNKNOWN.format(id=args.session_id), file=sys.stderr)
        return 1
    async with open_database(settings.database_url, existing=True) as sessions, sessions() as db:
        rows = await reports.roster(db, slot)
    title = f"{slot.course.title} {slot.id}"
    if args.out is None:
        sys.stdout.write(reports.roster_csv(rows, t.status_label).decode("utf-8-sig").replace("\r\n", "\n"))
        return 0
    if args.format == "csv":
        args.out.write_bytes(reports.roster_csv(rows, t.status_label))
    else:
        reports.roster_xlsx(rows, t.status_label, title, args.out)
    print(f"{title}: {len(rows)} 人を {args.out} に出力しました")
    return 0


async def _summary(settings: Settings, catalogue: Catalogue) -> int:
    async with open_database(settings.database_url, existing=True) as sessions, sessions() as db:
        rows = await reports.summary(db, catalogue)
    width = max((len(r.course_id) for r in rows), default=8)
    print(f"{'研修ID':<{width}}  申込済  申請中  待ち  定員  研修名")
    for r in rows:
        print(f"{r.course_id:<{width}}  {r.enrolled:>6}  {r.pending:>6}  {r.waitlisted:>4}"
              f"  {r.capacity:>4}  {r.title}")
    return 0


def main(argv: list[str], settings: Settings) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed the problem
        return int(exc.code or 0) if exc.code in (0, None) else 2
    catalogue = _catalogue(settings)
    if catalogue is None:
        return 2
    if args.command == "roster":
        return asyncio.run(_roster(settings, catalogue, args))
    return asyncio.run(_summary(settings, catalogue))
