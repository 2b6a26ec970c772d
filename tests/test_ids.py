"""Row ids from card data and typed commands: accepted forms, and no crash on huge numbers."""

from __future__ import annotations

import pytest

from bot.devchannel.harness import Harness
from bot.texts import escalation, faq
from domain.ids import MAX_ROW_ID, row_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("12", 12),
        (" #12 ", 12),
        ("１２", 12),
        (MAX_ROW_ID, MAX_ROW_ID),
        (MAX_ROW_ID + 1, None),
        (2**70, None),
        ("9" * 30, None),
        (0, None),
        (-3, None),
        (True, None),
        (None, None),
        ("12a", None),
        ("٣", None),  # a digit, but not one people type here
        (1.5, None),
    ],
)
def test_row_id(value: object, expected: int | None) -> None:
    assert row_id(value) == expected


async def test_huge_ids_in_cards_and_commands_find_nothing_politely(harness: Harness) -> None:
    client = harness.client
    await client.send("staff", "", {"action": "faq.feedback", "log": 2**70, "value": "solved"})
    assert faq.STALE_FEEDBACK in client.transcript("staff")
    await client.send("staff", "", {"action": "enrol.cancel_ask", "enrolment_id": 10**30})
    await client.send("staff", "チケット 99999999999999999999999")
    text = client.transcript("staff")
    assert "問題が発生" not in text
    assert escalation.BAD_BUTTON in text or "見つかりません" in text


async def test_an_action_on_a_ticket_that_does_not_exist_says_not_found(harness: Harness) -> None:
    await harness.client.send("staff", "", {"action": "ticket.claim", "ticket_id": 4242})
    assert escalation.NOT_FOUND.format(id=4242) in harness.client.transcript("staff")
