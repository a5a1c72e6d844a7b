"""Reads of the assistant app. Every selector takes the user and filters by it."""

from django.utils import timezone

from assistant.models import Conversation, Message, PendingAction


def conversation_list(*, user, limit: int = 30) -> list[Conversation]:
    """The user's conversations, most recently active first."""
    return list(Conversation.objects.filter(user=user).order_by("-updated_at")[:limit])


def conversation_get(*, user, conversation_id: int) -> Conversation | None:
    """One of the user's conversations, or None (also for someone else's)."""
    return Conversation.objects.filter(user=user, id=conversation_id).first()


def conversation_messages(*, user, conversation: Conversation, limit: int = 200) -> list[Message]:
    """The conversation's latest ``limit`` messages, oldest first."""
    messages = Message.objects.filter(user=user, conversation=conversation).order_by("-created_at", "-id")[:limit]
    return list(reversed(messages))


def llm_history(*, user, conversation_id: int, limit: int = 30) -> list[dict]:
    """The conversation's latest messages as Messages API turns, ending with the newest user
    message: ``[{"role": "user" | "assistant", "content": str}, ...]``.

    Consecutive messages of one role (a reply that failed) are joined, empty ones dropped, and
    the history starts with a user turn, as the Messages API expects.
    """
    rows = (
        Message.objects.filter(user=user, conversation_id=conversation_id)
        .order_by("-created_at", "-id")
        .values_list("role", "content")[:limit]
    )
    turns: list[dict] = []
    for role, content in reversed(rows):
        if not content.strip():
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + content
        else:
            turns.append({"role": role, "content": content})
    while turns and turns[0]["role"] != "user":
        turns.pop(0)
    return turns


def action_states(*, user, conversation: Conversation) -> dict[str, str]:
    """``{action_id: status}`` for the conversation's pending actions; one still pending past its
    expiry reads "expired" (it can no longer be approved)."""
    now = timezone.now()
    rows = PendingAction.objects.filter(user=user, conversation=conversation).values_list("id", "status", "expires_at")
    return {
        str(action_id): "expired" if status == PendingAction.Status.PENDING and expires_at <= now else status
        for action_id, status, expires_at in rows
    }
