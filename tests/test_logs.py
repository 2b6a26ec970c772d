"""Logs: structured, with correlation and conversation ids; never the message text at INFO."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.devchannel.harness import Harness
from bot.logs import (
    JsonFormatter,
    TextFormatter,
    configure_logging,
    conversation_id,
    correlation_id,
)

SECRET_QUESTION = "ひみつの相談内容ABC123"


async def test_message_text_is_not_logged_at_info(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await harness.client.send("staff", SECRET_QUESTION)
    assert caplog.records, "the turn logged something"
    for record in caplog.records:
        assert SECRET_QUESTION not in record.getMessage()
        assert all(SECRET_QUESTION not in str(v) for v in record.__dict__.values())


async def test_records_carry_the_turns_ids(harness: Harness) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    from bot.logs import ContextFilter

    handler.addFilter(ContextFilter())
    logging.getLogger().addHandler(handler)
    try:
        await harness.client.send("staff", "ヘルプ")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    route = next(line for line in lines if line["message"] == "route")
    assert route["conversation_id"] == "a:dev-personal-staff"
    assert len(route["correlation_id"]) == 12 and route["route"] == "command"


def test_text_and_json_formats() -> None:
    token_a, token_b = correlation_id.set("abc123"), conversation_id.set("conv-1")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
        record.extra_field = "v"
        from bot.logs import ContextFilter

        ContextFilter().filter(record)
        assert json.loads(JsonFormatter().format(record))["extra_field"] == "v"
        text = TextFormatter().format(record)
        assert "[abc123 conv-1] hello world" in text and "extra_field=v" in text
    finally:
        correlation_id.reset(token_a)
        conversation_id.reset(token_b)
    configure_logging("INFO", "json")  # idempotent: replaces its own handler only
    configure_logging("INFO", "text")
    assert sum(getattr(h, "_dxbot", False) for h in logging.getLogger().handlers) == 1
