"""DX Support Bot: ``python app.py`` serves the bot; other commands help try and ship it.

    python app.py                      serve POST /api/messages on $PORT (3978)
    python app.py chat                 chat with the bot in the terminal (no Teams needed)
    python app.py converse FILE...     run conversation scripts (YAML) against a fresh bot
    python app.py package              write the Teams app package (zip) for sideloading
    python app.py enrolment ...        training rosters (CSV/xlsx) and a summary per course
    python app.py tickets ...          escalation report and FAQ proposals
    python app.py migrate              apply database migrations and exit
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from aiohttp import ClientConnectionError, web
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings, load_settings
from bot.db import open_database
from bot.http import create_app
from bot.logs import configure_logging
from knowledge.usage import JapaneseArgumentParser


def describe(settings: Settings) -> str:
    """The one start-up line: where it listens, which database and data, whether auth is on."""
    auth = "on" if settings.auth_enabled else "off (MicrosoftAppId is empty)"
    return (
        f"DX Support Bot listening on http://{settings.host}:{settings.port}/api/messages"
        f" | database {_safe_url(settings.database_url)}"
        f" | data faq={settings.faq_dir} org={settings.org_dir} courses={settings.courses_dir}"
        f" | Bot Framework auth {auth}"
    )


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


async def serve(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT, then stop accepting, finish in-flight turns and close."""
    runner = web.AppRunner(create_app(settings), access_log=None, shutdown_timeout=30)
    await runner.setup()  # starts the runtime: database, migrations, data files
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except OSError as exc:  # the port is taken, the host is not this machine's
        await runner.cleanup()
        raise ConfigError(f"HOST={settings.host} PORT={settings.port} で待ち受けできません: "
                          f"{exc.strerror or exc} (ほかのプロセスが使っていないか確認してください)") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(describe(settings), flush=True)
    await stop.wait()
    print("DX Support Bot stopping: finishing turns in flight", file=sys.stderr, flush=True)
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = JapaneseArgumentParser(prog="python app.py", description="DXサポートボット")
    sub = parser.add_subparsers(dest="command", metavar="コマンド")
    sub.add_parser("serve", help="ボットを起動します (既定)")
    chat = sub.add_parser("chat", help="ターミナルでボットと会話します")
    chat.add_argument("--url", help="起動済みのボットの URL (省略時はこのプロセス内で起動)")
    chat.add_argument("--as", dest="user", default=None, help="最初に話す利用者のキー")
    converse = sub.add_parser("converse", help="会話スクリプト (YAML) を実行します")
    converse.add_argument("files", nargs="+")
    converse.add_argument("--faq-dir")
    converse.add_argument("--org-dir")
    converse.add_argument("--courses-dir")
    converse.add_argument("-v", "--verbose", action="store_true", help="会話の全文を表示します")
    package = sub.add_parser("package", help="Teams アプリパッケージ (zip) を作成します")
    package.add_argument("rest", nargs=argparse.REMAINDER)
    sub.add_parser("migrate", help="データベースを最新のスキーマにします")
    enrolment = sub.add_parser("enrolment", help="研修の名簿・集計 (roster SESSION_ID / summary)")
    enrolment.add_argument("rest", nargs=argparse.REMAINDER)
    tickets = sub.add_parser("tickets", help="相談の集計・FAQ 提案 (report / proposals ...)")
    tickets.add_argument("rest", nargs=argparse.REMAINDER)
    args, unknown = parser.parse_known_args(argv)
    if hasattr(args, "rest"):  # commands that take their own options
        args.rest = unknown + args.rest
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    quiet = args.command in ("converse", "chat") and not getattr(args, "verbose", False)
    configure_logging("WARNING" if quiet else settings.log_level, settings.log_format)
    try:
        return _run(args, settings, parser)
    except (OSError, SQLAlchemyError) as exc:  # a database that does not answer, a bad path
        print(f"エラー: {_problem(exc)}", file=sys.stderr)
        return 1


def _problem(exc: BaseException) -> str:
    """One line for a person: the file, or the database driver's own reason (never the URL)."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, ConnectionError | ClientConnectionError):
        return f"接続できません。相手が起動しているか確かめてください ({exc})"
    if isinstance(exc, SQLAlchemyError):
        reason = getattr(exc, "orig", None) or exc.__cause__ or exc
        return f"データベースを使えません ({type(reason).__name__}: {str(reason).splitlines()[0]})"
    return str(exc)


def _run(args: argparse.Namespace, settings: Settings, parser: argparse.ArgumentParser) -> int:
    if args.command in (None, "serve"):
        if settings.auth_enabled and settings.app_type != "UserAssignedMSI" and not settings.app_password:
            print("MicrosoftAppPassword: MicrosoftAppId を設定したときはクライアント シークレットも必要です"
                  " (UserAssignedMSI を除く)", file=sys.stderr)
            return 2
        try:
            asyncio.run(serve(settings))
        except ConfigError as exc:
            print(f"エラー: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "chat":
        from bot.devchannel.chat import run_chat

        return asyncio.run(run_chat(settings, url=args.url, user=args.user))
    if args.command == "converse":
        from bot.devchannel.converse import run_scripts, script_paths

        overrides = {k: v for k, v in (("faq_dir", args.faq_dir), ("org_dir", args.org_dir),
                                       ("courses_dir", args.courses_dir)) if v}
        paths = script_paths(args.files)
        return asyncio.run(run_scripts(paths, settings, overrides, verbose=args.verbose))
    if args.command == "package":
        from bot.teams_package import main as package_main

        rest = list(args.rest)
        if settings.app_id and "--app-id" not in rest:
            rest += ["--app-id", settings.app_id]
        return package_main(rest)
    if args.command == "enrolment":
        from bot.enrolment_cli import main as enrolment_main

        return enrolment_main(args.rest, settings)
    if args.command == "tickets":
        from bot.escalation_cli import main as tickets_main

        return tickets_main(args.rest, settings)
    if args.command == "migrate":
        async def _migrate() -> None:
            async with open_database(settings.database_url):
                pass

        asyncio.run(_migrate())
        print("データベースは最新のスキーマです")
        return 0
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    sys.exit(main())
