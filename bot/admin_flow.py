"""「管理 …」: commands for admins only. Features add sub-commands by first word in
``runtime.services["admin_commands"]``; this module owns 「管理」 / 「管理 状態」."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext

from bot import cards
from bot.identity import IdentityResolver
from bot.router import Route, split_word
from bot.runtime import Runtime
from bot.texts import admin as texts
from domain import outbox
from domain.reach import unreachable
from knowledge.live import LiveStatus

log = logging.getLogger(__name__)
TOKYO = ZoneInfo("Asia/Tokyo")

AdminCommand = Callable[[TurnContext, DialogContext, Route], Awaitable[None]]
STATUS_WORDS = ("状態", "status", "", "ヘルプ", "help", "メニュー", "使い方", "?", "？")  # the status lists the commands
MAX_ERRORS = 5
MAX_PEOPLE = 30


def status_lines(status: LiveStatus) -> list[str]:
    """How one data file set is doing, with its first errors (file and line) if it failed."""
    loaded = status.loaded_at.astimezone(TOKYO).strftime("%m/%d %H:%M") if status.loaded_at else "-"
    name = texts.DATA_NAMES.get(status.name, status.name)
    if not status.ready:
        lines = [texts.STATUS_NOT_LOADED.format(name=name)]
    elif status.restored:
        lines = [texts.STATUS_RESTORED.format(name=name, count=status.count, loaded=loaded)]
    elif status.stale:
        lines = [texts.STATUS_STALE.format(name=name, count=status.count, loaded=loaded)]
    else:
        lines = [texts.STATUS_OK.format(name=name, count=status.count, loaded=loaded)]
    if status.warnings:
        lines.append(texts.STATUS_WARNINGS.format(n=status.warnings))
    lines += [texts.STATUS_ERROR.format(error=e) for e in status.errors[:MAX_ERRORS]]
    if len(status.errors) > MAX_ERRORS:
        lines.append(texts.STATUS_MORE.format(n=len(status.errors) - MAX_ERRORS))
    return lines


def install(runtime: Runtime) -> None:
    commands: dict[str, AdminCommand] = runtime.services.setdefault("admin_commands", {})
    reports: list[Callable[[], Awaitable[list[dict]]]] = runtime.services.setdefault("admin_reports", [])

    async def delivery() -> list[dict]:
        """The outbox backlog and the people the bot cannot reach."""
        directory = runtime.directory.current
        supporters = [p for p in directory.people.values() if directory.roles_of(p.upn)]
        async with runtime.sessions() as session:
            summary = await outbox.backlog(session)
            missing = await unreachable(session, [(p.aad_object_id, p.upn) for p in supporters])
        lines = [texts.OUTBOX_LINE.format(status=texts.OUTBOX_STATUS.get(k, k), count=n)
                 for k, n in sorted(summary.by_status.items())] or [texts.OUTBOX_EMPTY]
        if summary.oldest_pending:
            age = runtime.clock.now() - summary.oldest_pending
            lines.append(texts.OUTBOX_OLDEST.format(minutes=int(age.total_seconds() // 60)))
        people = []
        for item in missing:
            person = directory.person_by_aad(item.user_id) or directory.person_by_upn(item.upn)
            name = person.name if person else (item.upn or item.user_id or "?")
            reason = texts.NEVER_OPENED if item.reason == "never_opened" else texts.BLOCKED
            people.append(texts.UNREACHABLE_LINE.format(name=name, reason=reason))
        return [
            cards.text(texts.OUTBOX_TITLE, weight="Bolder"), cards.text("\n".join(lines)),
            cards.text(texts.UNREACHABLE_TITLE, weight="Bolder"),
            cards.text("\n".join(people[:MAX_PEOPLE]) if people else texts.UNREACHABLE_NONE),
        ]

    reports.insert(0, delivery)

    async def status(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        body = [cards.text(texts.STATUS_TITLE, weight="Bolder", size="Medium")]
        for source in runtime.data_sources:
            body.append(cards.text("\n\n".join(status_lines(source.status))))
        for report in reports:  # outbox backlog, unreachable people ... from other features
            body.extend(await report())
        words = sorted(set(commands) | {"状態"})
        body.append(cards.text(texts.COMMANDS_TITLE, weight="Bolder"))
        body.append(cards.text("\n".join(
            texts.COMMAND_LINE.format(word=w, description=texts.DESCRIPTIONS.get(w, "")).rstrip(": ")
            for w in words
        )))
        await turn_context.send_activity(MessageFactory.attachment(cards.card(body)))

    async def admin(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        identity: IdentityResolver = runtime.services["identity"]
        who = await identity.resolve(turn_context)
        if not who.is_admin:
            log.warning("admin command refused", extra={"user": who.user_id, "command": route.arg[:40]})
            await turn_context.send_activity(who.refusal(texts.REFUSED))
            return
        word, rest = split_word(route.arg or glued(route.text) or "")
        folded = unicodedata.normalize("NFKC", word).casefold()  # 「FAQ提案」「faq提案」「ＳＴＡＴＵＳ」
        if folded in STATUS_WORDS:
            await status(turn_context, dc, route)
            return
        handler = next((h for name, h in commands.items() if name.casefold() == folded), None)
        if handler is None:
            shown = word if len(word) <= 20 else word[:20] + "…"  # never echo a pasted essay
            await turn_context.send_activity(texts.UNKNOWN.format(word=shown))
            return
        await handler(turn_context, dc, Route("command", name="admin", arg=rest.strip(), text=route.text))

    def glued(text: str) -> str | None:
        """「管理名簿 …」「管理状態」, typed without the space: the argument as if it had one."""
        said = unicodedata.normalize("NFKC", text).strip()
        for prefix in ("管理", "admin"):
            rest = said[len(prefix):] if said[: len(prefix)].casefold() == prefix else ""
            word = next((w for w in sorted({*commands, "状態"}, key=len, reverse=True)
                         if rest.casefold().startswith(w.casefold())), None)
            if word is not None:
                return f"{word} {rest[len(word):].strip()}".strip()
        return None

    runtime.bot.commands["admin"] = admin
    runtime.bot.intent_rules.append(lambda text: "admin" if glued(text) else None)
