"""botbuilder's CloudAdapter with the bot's error handler.

An exception in a turn is logged with the correlation id and the person is told in Japanese
(quoting the id). If the bot's own code failed, the conversation's dialog state is cleared so
the next message starts afresh; if the channel failed, the dialog is kept so the person can
simply try again. A failure to send the apology (the channel is down) is logged, never raised.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import ConversationState, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    UserTokenClient,
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


class _CachingConnectorFactory(ConnectorFactory):
    """Hands out one connector client per (app id, service URL, audience) instead of a new one
    (with a new HTTP session, so a new connection) for every turn. Its HTTP requests give up
    after ``timeout`` seconds: botbuilder sends from a thread whose request waited 100 s, so a
    send abandoned by the delivery's timeout went on, landed after its own retry (twice, out of
    order) and held up shutdown."""

    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[Any, ...], ConnectorClient],
                 timeout: float) -> None:
        self._inner = inner
        self._cache = cache
        self._timeout = timeout

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (getattr(self._inner, "_app_id", None), service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            client.config.connection.timeout = self._timeout
            self._cache[key] = client
        return client


class CachingAuthentication(ConfigurationBotFrameworkAuthentication):
    """botbuilder's authentication, reusing connector and user-token clients across turns
    (as its older BotFrameworkAdapter did); measured in ``bench/turns_bench.py``."""

    def __init__(self, configuration: Any, http_timeout: float) -> None:
        super().__init__(configuration)
        self._connectors: dict[tuple[Any, ...], ConnectorClient] = {}
        self._http_timeout = http_timeout
        self._token_clients: dict[Any, UserTokenClient] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _CachingConnectorFactory(result.connector_factory, self._connectors,
                                                                self._http_timeout)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _CachingConnectorFactory(super().create_connector_factory(claims_identity), self._connectors,
                                        self._http_timeout)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = JwtTokenValidation.get_app_id_from_claims(claims_identity.claims or {}) if claims_identity else None
        client = self._token_clients.get(key)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients[key] = client
        return client


def create_adapter(settings: Settings, conversation_state: ConversationState) -> CloudAdapter:
    _fast_msrest_retry_policy()
    adapter = CloudAdapter(CachingAuthentication(settings.bot_framework_config(), settings.delivery_timeout))

    async def on_error(turn_context: TurnContext, error: Exception) -> None:
        cid = correlation_id.get()
        channel_failed = is_channel_failure(error)
        log.error("turn failed", exc_info=error,
                  extra={"activity_type": turn_context.activity.type, "channel_failure": channel_failed})
        if not channel_failed:  # our own bug: start the conversation afresh
            try:
                await conversation_state.load(turn_context)  # delete needs it loaded this turn
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
