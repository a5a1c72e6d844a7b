"""Writes of the assistant app: profiles, conversations and messages."""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from assistant.models import Conversation, Message, Profile


class ConversationNotFound(Exception):
    """The conversation does not exist or belongs to someone else (the two look the same)."""


def profile_get_or_create(*, user) -> Profile:
    """The user's profile, created with defaults (UTC, USD, imperial) on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def _title_from(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57].rstrip() + "…"


def message_receive(
    *, user, client_message_id: uuid.UUID, text: str, conversation_id: int | None = None
) -> tuple[Message, bool]:
    """Save the user's chat message before anything else can fail.

    Returns ``(message, created)``; ``created`` is False when this client ``message_id`` was
    already saved for the user (a resent frame), and the first message is returned. Without a
    ``conversation_id`` a new conversation is started, titled from the text. Raises
    ConversationNotFound when ``conversation_id`` is not one of the user's conversations.
    """
    try:
        with transaction.atomic():
            if conversation_id is None:
                conversation_id = Conversation.objects.create(user=user, title=_title_from(text)).id
            elif not Conversation.objects.filter(id=conversation_id, user=user).update(updated_at=timezone.now()):
                raise ConversationNotFound(conversation_id)
            message = Message.objects.create(
                conversation_id=conversation_id,
                user=user,
                role=Message.Role.USER,
                content=text,
                client_message_id=client_message_id,
            )
    except IntegrityError:
        # This message_id was saved before (a resend, maybe on another socket): the first wins.
        return Message.objects.get(user=user, client_message_id=client_message_id), False
    return message, True


def message_reply_create(
    *,
    user_message: Message,
    content: str,
    status: str,
    tool_calls: list[dict],
    provider: str,
    model: str,
    usage: dict,
    latency_ms: int | None,
) -> Message:
    """Save PAM's reply to ``user_message``. A message has at most one reply (a database
    constraint), so a turn that somehow ran twice cannot answer twice: IntegrityError."""
    with transaction.atomic():
        reply = Message.objects.create(
            conversation_id=user_message.conversation_id,
            user_id=user_message.user_id,
            role=Message.Role.ASSISTANT,
            content=content,
            reply_to=user_message,
            status=status,
            tool_calls=tool_calls,
            provider=provider,
            model=model,
            usage=usage,
            latency_ms=latency_ms,
        )
        Conversation.objects.filter(id=user_message.conversation_id).update(updated_at=timezone.now())
    return reply
