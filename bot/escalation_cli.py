"""``python app.py tickets ...``: the escalation report and the FAQ proposals, for admins.

    tickets report [--since 2026-04-01] [--until 2026/04/30] [--format markdown|csv]
    tickets proposals list
    tickets proposals accept ID [--question ...] [--answer ...]
    tickets proposals reject ID

Dates are Japan dates; ``--until`` includes that whole day. Accepting writes the entry into
``<FAQ_DIR>/proposals-accepted.yaml``; a running bot serves it after its file watcher reloads.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.config import Settings
from bot.db import open_database
from domain import ticket_proposals as proposals
from domain import ticket_report
from domain import tickets as t
from domain.ids import row_id
from domain.ticket_hours import JST
from domain.tickets import Actor, TicketError
from knowledge.dates import parse_day
from knowledge.usage import JapaneseArgumentParser

CLI_ACTOR = Actor("cli", "管理コマンド", is_admin=True)


def _day(text: str) -> datetime:
    try:
        return datetime.combine(parse_day(text), time(0), JST)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _proposal_id(text: str) -> int:
    found = row_id(text)
    if found is None:
        raise argparse.ArgumentTypeError(f"提案の番号が読めません: {text}")
    return found


def parser() -> argparse.ArgumentParser:
    p = JapaneseArgumentParser(prog="python app.py tickets", description="担当者への相談の集計と FAQ 提案")
    sub = p.add_subparsers(dest="command", required=True, metavar="コマンド")
    report = sub.add_parser("report", help="相談の集計を表示します")
    report.add_argument("--since", type=_day, help="この日から (YYYY-MM-DD)")
    report.add_argument("--until", type=_day, help="この日まで (YYYY-MM-DD、その日を含む)")
    report.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    report.add_argument("--out", type=Path, metavar="FILE", help="書き出すファイル (CSV は Excel で開ける BOM 付き UTF-8)")
    props = sub.add_parser("proposals", help="FAQ 提案の一覧・採用・却下")
    verbs = props.add_subparsers(dest="verb", required=True, metavar="コマンド")
    verbs.add_parser("list", help="未採用の提案を表示します")
    accept = verbs.add_parser("accept", help="提案を採用して FAQ に追加します")
    accept.add_argument("id", type=_proposal_id)
    accept.add_argument("--question")
    accept.add_argument("--answer")
    reject = verbs.add_parser("reject", help="提案を却下します")
    reject.add_argument("id", type=_proposal_id)
    return p


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "report" and args.since and args.until and args.since > args.until:
        print("エラー: --since が --until より後の日付です", file=sys.stderr)
        return 2
    async with open_database(settings.database_url, existing=True) as sessions:
        try:
            now = datetime.now(UTC)
            if args.command == "report":
                until = args.until + timedelta(days=1) if args.until else None
                async with sessions() as session:
                    found = await t.created_between(session, args.since, until)
                result = ticket_report.build(found, now, args.since, until)
                if args.format == "csv":
                    text = ticket_report.to_csv(result)
                else:
                    end = args.until or now.astimezone(JST)
                    period = f"{args.since:%Y-%m-%d} 〜 {end:%Y-%m-%d}" if args.since else f"〜 {end:%Y-%m-%d}"
                    text = ticket_report.to_markdown(result, period if any((args.since, args.until)) else "全期間")
                if args.out is None:
                    sys.stdout.write(text)
                    return 0
                # a BOM, so that Japanese Excel reads the CSV as UTF-8 (else as Shift_JIS: garbled)
                args.out.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
                print(f"{args.out} に書き出しました")
                return 0
            if args.verb == "list":
                async with sessions() as session:
                    pending = await proposals.listing(session)
                for p in pending:
                    print(f"[{p.id}] チケット {p.ticket_id or '-'} / {p.proposed_by_name}\n  Q: {p.question}\n"
                          f"  言い換え: {' | '.join(p.alternates) or '-'}\n  A: {p.answer}\n")
                print(f"未採用の提案: {len(pending)} 件")
                return 0
            async with sessions() as session, session.begin():
                if args.verb == "accept":
                    proposal, path = await proposals.accept(
                        session, args.id, CLI_ACTOR, now, settings.faq_dir,
                        question=args.question, answer=args.answer)
                    message = f"提案 {args.id} を FAQ ({proposal.entry_id}) として {path} に追加しました"
                else:
                    found = await proposals.get(session, args.id)
                    if found is None:
                        raise TicketError("proposal_not_found", f"提案 {args.id} は見つかりません")
                    proposals.decide(found, proposals.REJECTED, CLI_ACTOR, now)
                    message = f"提案 {args.id} を却下しました"
            print(message)
            return 0
        except TicketError as exc:
            print(f"できませんでした: {exc}", file=sys.stderr)
            return 1


async def run(argv: list[str], settings: Settings) -> int:
    """Run one ``tickets`` command in a running event loop; the exit code is 0 on success."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage or the error
        return int(exc.code or 0)
    return await _run(args, settings)


def main(argv: list[str], settings: Settings) -> int:
    """``python app.py tickets ...``: run one command; the exit code is 0 on success."""
    return asyncio.run(run(argv, settings))
