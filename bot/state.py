"""Where a conversation's dialog state is kept: per chat, and per person in shared chats."""

from __future__ import annotations

from botbuilder.core import ConversationState, TurnContext
from botbuilder.schema import Activity


def is_shared(activity: Activity) -> bool:
    """A channel or a group chat, where others read along (not the personal chat)."""
    conversation = activity.conversation
    return conversation is not None and (conversation.conversation_type or "personal") != "personal"


class DialogState(ConversationState):
    """Conversation state that is each person's own in channels and group chats.

    botbuilder keys conversation state by conversation, so in a Teams channel one person's open
    dialog (the 担当者に相談 form, an enrolment) would take the next message from anyone in the
    channel. There the key also names the sender; a personal chat has one person anyway.
    """

    def get_storage_key(self, turn_context: TurnContext) -> object:
        key = super().get_storage_key(turn_context)
        activity = turn_context.activity
        sender = activity.from_property.id if activity.from_property else None
        return f"{key}/users/{sender}" if is_shared(activity) and sender else key
