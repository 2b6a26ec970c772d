"""botbuilder's CloudAdapter with the bot's error handler.

An exception in a turn is logged with the correlation id and the person is told in Japanese
(quoting the id). If the bot's own code failed, the conversation's dialog state is cleared so
the next message starts afresh; if the channel failed, the dialog is kept so the person can
simply try again. A failure to send the apology (the channel is down) is logged, never raised.
"""

from __future__ import annotations

import logging

from botbuilder.core import ConversationState, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from msrest.exceptions import HttpOperationError
from msrest.universal_http.requests import ClientRetryPolicy
from requests import RequestException

from bot import texts
from bot.config import Settings
from bot.logs import correlation_id

log = logging.getLogger(__name__)


def _fast_msrest_retry_policy() -> None:
    """msrest builds a retry policy twice a turn by scanning a 999 x 500 list (about 4 ms each,
    measured); the same codes as a frozenset give the same policy in microseconds."""
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


def is_channel_failure(error: BaseException) -> bool:
    """The channel (Teams) failed or did not answer: the dialog itself is fine."""
    return isinstance(error, HttpOperationError | RequestException | TimeoutError | ConnectionError)


def create_adapter(settings: Settings, conversation_state: ConversationState) -> CloudAdapter:
    _fast_msrest_retry_policy()
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.bot_framework_config()))

    async def on_error(turn_context: TurnContext, error: Exception) -> None:
        cid = correlation_id.get()
        channel_failed = is_channel_failure(error)
        log.error("turn failed", exc_info=error,
                  extra={"activity_type": turn_context.activity.type, "channel_failure": channel_failed})
        if not channel_failed:  # our own bug: start the conversation afresh
            try:
                await conversation_state.delete(turn_context)
            except Exception:
                log.exception("could not clear conversation state after an error")
        if turn_context.activity.type != "message":
            return
        try:
            await turn_context.send_activity(texts.error_occurred(cid))
        except Exception:
            log.exception("could not tell the user about the error")

    adapter.on_turn_error = on_error
    return adapter
