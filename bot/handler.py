"""The Teams activity handler: turns an incoming activity into a route and a reply.

It stays thin: it cleans the text, asks :mod:`bot.router` where the message goes, and
calls the one handler for that route. Features register command handlers by name.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from botbuilder.core import ConversationState, MessageFactory, TurnContext, UserState
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import Dialog, DialogContext, DialogInstance, DialogSet, DialogTurnStatus
from botbuilder.schema import Attachment, ChannelAccount
from botbuilder.schema.teams import TeamInfo

from bot import cards, texts
from bot.references import ConversationReferences
from bot.router import Route, decide
from domain.clock import Clock, SystemClock
from knowledge.live import NotLoadedError

log = logging.getLogger(__name__)

CommandHandler = Callable[[TurnContext, DialogContext, Route], Awaitable[None]]
#: ``expired(turn_context, dc, instance)``: a dialog ended for lack of an answer (``instance``,
#: already off the stack). It returns "said" when it has said what is left and how to go on (or
#: nothing, where this message sees to it), "taken" when this message was the awaited text and
#: is dealt with (it goes no further), None for the general notice.
Followed = Literal["said", "taken"] | None
ExpiredHandler = Callable[[TurnContext, DialogContext, DialogInstance], Awaitable[Followed]]
AWAITING = "awaiting"  # turn_state key: what the previous reply waited for (or None)
#: A dialog (a sign-up, a 相談 form) unanswered this long ends: a question typed days later is
#: a new question, not a wrong answer to 「はい」か「いいえ」.
DIALOG_TIMEOUT = timedelta(hours=1)


def awaited(turn_context: TurnContext) -> dict[str, Any]:
    """What the bot's previous reply waited for (see DxBot.awaiting), or ``{}``."""
    found = turn_context.turn_state.get(AWAITING)
    return found if isinstance(found, dict) else {}


class DxBot(TeamsActivityHandler):
    """Routes each message to a command, the active dialog or the FAQ."""

    def __init__(
        self,
        conversation_state: ConversationState,
        user_state: UserState,
        references: ConversationReferences,
        dialogs: Sequence[Dialog] = (),
    ) -> None:
        self.conversation_state = conversation_state
        self.user_state = user_state
        self.references = references
        self.dialog_state = conversation_state.create_property("DialogState")
        self.welcomed = conversation_state.create_property("Welcomed")
        #: What the bot's last reply in this chat waits for (an answer to rate, choices, the
        #: offer of a person): typed 「2」「はい」「解決しない」 refer to it. It lasts one message.
        self.awaiting = conversation_state.create_property("Awaiting")
        self.last_message = conversation_state.create_property("LastMessageAt")
        self.clock: Clock = SystemClock()  # the runtime's clock (tests move it)
        self.dialogs = DialogSet(self.dialog_state)
        for dialog in dialogs:
            self.dialogs.add(dialog)
        self.commands: dict[str, CommandHandler] = {
            "help": self._help,
            "cancel": self._cancel,
            "faq_examples": self._faq_examples,
        }
        self.card_actions: dict[str, CommandHandler] = {"command": self._card_command}
        self.answer_free_text: CommandHandler = self._help  # the FAQ feature replaces this
        self.intent_of: Callable[[str], str | None] | None = None
        #: Features' own readings of a free text, before any score: the command a text
        #: plainly is (「主査級DX研修をキャンセルしたい」: the named course's withdrawal), else None.
        self.intent_rules: list[Callable[[str], str | None]] = []
        #: Intents a text contradicts, whatever it scores (a withdrawal never starts a sign-up).
        self.intent_vetoes: dict[str, Callable[[str], bool]] = {}
        #: What 「キャンセル」 says when it stops a dialog, by dialog id, where the plain
        #: 「中断しました」 could be misread (at 「この申込を取り消しますか？」 it is no withdrawal).
        self.stopped_texts: dict[str, str] = {}
        #: What a dialog that timed out leaves the person, by dialog id, where the plain
        #: 「終了しました」 would lose something they typed (a 相談 not yet sent).
        self.expired: dict[str, ExpiredHandler] = {}
        #: 「解決しました」/「まだ解決しません」 typed when no FAQ reply waits for it: a feature
        #: whose answer it rates takes it (``solved`` True/False) and returns True.
        self.rated_elsewhere: list[Callable[[TurnContext, DialogContext, bool], Awaitable[bool]]] = []
        #: The sender's UPN, stored with their conversation reference (set by the profile feature).
        self.upn_of: Callable[[TurnContext], Awaitable[str | None]] | None = None

    # ------------------------------------------------------------ turn plumbing

    async def on_turn(self, turn_context: TurnContext) -> None:
        await super().on_turn(turn_context)
        await self.conversation_state.save_changes(turn_context)
        await self.user_state.save_changes(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        try:
            await self._on_message(turn_context)
        except NotLoadedError as exc:  # a data file that never loaded: this feature waits
            log.warning("data not loaded", extra={"error": str(exc)})
            await turn_context.send_activity(texts.DATA_NOT_LOADED)

    async def _on_message(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        await self.remember(turn_context)
        text = clean_text(turn_context)
        has_files = any(is_file(a) for a in activity.attachments or [])
        mention_only = not text and bool((activity.text or "").strip()) and not has_files
        if activity.text is not None:
            activity.text = text  # what dialogs and prompts read: no <at> tags in a 相談 or a はい
        turn_context.turn_state[AWAITING] = previous = await self.awaiting.get(turn_context, None)
        if previous is not None:
            await self.awaiting.delete(turn_context)  # it lasts one message
        dc = await self.dialogs.create_context(turn_context)
        if await self._expire_idle_dialog(turn_context, dc) == "taken":
            return
        route = decide(
            text, activity.value, dialog_active=dc.active_dialog is not None,
            has_files=has_files, intent_of=self.intent_of,
        )
        log.info("route", extra={"route": route.kind, "command": route.name})
        if route.kind == "empty" and mention_only and not activity.value:  # 「@DXサポートボット」 alone
            await self._help(turn_context, dc, route)
        elif route.kind == "empty":
            await turn_context.send_activity(
                texts.HINTS.get(route.name, texts.EMPTY_MESSAGE))
        elif route.kind == "dialog":
            await self.continue_dialog(dc)
        elif route.kind == "card":
            handler = self.card_actions.get(route.name)
            await (handler or self._unknown_button)(turn_context, dc, route)
        elif route.kind == "command":
            handler = self.commands.get(route.name)
            await (handler or self._not_ready)(turn_context, dc, route)
        else:
            await self.answer_free_text(turn_context, dc, route)

    async def _expire_idle_dialog(self, turn_context: TurnContext, dc: DialogContext) -> Followed:
        """End a dialog nobody answered for :data:`DIALOG_TIMEOUT`, and say so (see
        :data:`ExpiredHandler` for what its own follow-up may do instead)."""
        now = self.clock.now()
        last = await self.last_message.get(turn_context, None)
        await self.last_message.set(turn_context, now.isoformat())
        if dc.active_dialog is None or not isinstance(last, str):
            return None
        try:
            idle = now - datetime.fromisoformat(last)
        except (ValueError, TypeError):  # unreadable or naive: treat as fresh
            return None
        if idle <= DIALOG_TIMEOUT:
            return None
        active = dc.active_dialog
        await dc.cancel_all_dialogs()
        hook = self.expired.get(active.id)
        try:
            followed = await hook(turn_context, dc, active) if hook is not None else None
        except Exception:  # what was left is lost to this message, not the message itself
            log.exception("expired dialog not followed up", extra={"dialog": active.id})
            followed = None
        if followed is None:
            await turn_context.send_activity(texts.DIALOG_EXPIRED)
        return followed

    async def remember(self, turn_context: TurnContext) -> None:
        """Store the sender's conversation reference (with their UPN) for proactive messages."""
        upn = await self.upn_of(turn_context) if self.upn_of else None
        await self.references.remember(turn_context.activity, upn)

    async def continue_dialog(self, dc: DialogContext) -> None:
        """Give this turn to the active dialog; resume the command a finished one names."""
        result = await dc.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await self._help(dc.context, dc, Route("command", name="help"))
        elif result.status == DialogTurnStatus.Complete and isinstance(result.result, dict):
            # A dialog started on another's behalf (e.g. the profile before enrolment)
            # names the command to resume with.
            then = result.result.get("then")
            handler = self.commands.get(then) if isinstance(then, str) else None
            data = result.result.get("then_data")
            if handler:
                await handler(dc.context, dc, Route("command", name=then, data=data if isinstance(data, dict) else {}))

    def begin(self, dialog_id: str) -> CommandHandler:
        """A command handler that starts a dialog (replacing any active one)."""

        async def start(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
            if dc.active_dialog is not None:
                await dc.cancel_all_dialogs()
            await dc.begin_dialog(dialog_id, route.data or None)

        return start

    # ------------------------------------------------------------ welcome

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome_once(turn_context)

    async def on_teams_members_added_dispatch(
        self, members_added: list[ChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added or []):
            await self._welcome_once(turn_context)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        await self.on_teams_members_added_dispatch(members_added, None, turn_context)

    async def _welcome_once(self, turn_context: TurnContext) -> None:
        if await self.welcomed.get(turn_context, False):
            return
        await self.welcomed.set(turn_context, True)
        await self.remember(turn_context)
        await turn_context.send_activity(MessageFactory.attachment(cards.welcome()))

    # ------------------------------------------------------------ built-in commands

    async def _help(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(MessageFactory.attachment(cards.welcome()))

    async def _cancel(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        if dc.active_dialog is None:
            await turn_context.send_activity(texts.NOTHING_TO_CANCEL)
            return
        stopped = self.stopped_texts.get(dc.active_dialog.id, texts.CANCELLED)
        await dc.cancel_all_dialogs()
        await turn_context.send_activity(stopped)

    async def _faq_examples(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(texts.FAQ_EXAMPLES)

    async def _card_command(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        name = str(route.data.get("command", ""))
        handler = self.commands.get(name)
        data = {k: v for k, v in route.data.items() if k not in ("action", "command")}
        await (handler or self._unknown_button)(turn_context, dc, Route("command", name=name, data=data))

    async def _not_ready(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(texts.NOT_READY)

    async def _unknown_button(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(texts.UNKNOWN_BUTTON)


def is_file(attachment: Attachment) -> bool:
    """A file or image the user sent (not the HTML copy of the message Teams adds)."""
    kind = attachment.content_type or ""
    return kind.startswith("image/") or kind == "application/vnd.microsoft.teams.file.download.info"


_MENTION = re.compile(r"<at(?:\s[^>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)


def clean_text(turn_context: TurnContext) -> str:
    """The message text without the bot's @mention (channels, group chats), trimmed.

    Only the ``<at>…</at>`` tags go: the bot's own mention entirely, anyone else's leaving
    their name (botbuilder's ``remove_recipient_mention`` would also delete the bot's name
    wherever it appears in the sentence, and keeps other people's tags).
    """
    activity = turn_context.activity
    bot = activity.recipient
    own = {html.unescape(bot.name).strip()} if bot and bot.name else set()
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        mentioned = props.get("mentioned") if entity.type == "mention" else None
        if isinstance(mentioned, dict) and bot and mentioned.get("id") == bot.id:
            inner = _MENTION.fullmatch(props.get("text") or "")
            if inner:
                own.add(html.unescape(inner.group(1)).strip())

    def untag(match: re.Match[str]) -> str:
        name = html.unescape(match.group(1)).strip()
        return " " if name in own else name

    text = _MENTION.sub(untag, activity.text or "")
    return text.replace("\u00a0", " ").strip()
