"""Reads of the assistant app. Every selector takes the user and filters by it."""

from django.utils import timezone

from assistant.models import CalendarEvent, Conversation, Message, PendingAction, UndoableChange


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


def undo_states(*, user, conversation: Conversation) -> dict[str, str]:
    """``{undo_id: "available" | "undone" | "expired"}`` for the changes PAM made in the
    conversation (``assistant.undo``): whether a tool card may still offer Undo."""
    now = timezone.now()
    rows = UndoableChange.objects.filter(user=user, conversation=conversation).values_list("id", "undone_at",
                                                                                           "expires_at")
    return {str(undo_id): "undone" if undone_at else "expired" if expires_at <= now else "available"
            for undo_id, undone_at, expires_at in rows}


def calendar_events(*, user, start=None, end=None, kind: str | None = None, text: str | None = None):
    """The user's events that overlap ``[start, end)`` (aware datetimes; either may be None): they
    end after ``start`` (or start at or after it) and start before ``end``; an all-day event
    ending at midnight is not in the next day. Soonest first, optionally of one kind or matching
    ``text`` in the title or location. Returns a QuerySet."""
    from django.db.models import Q

    events = CalendarEvent.objects.filter(user=user)
    if start is not None:
        events = events.filter(Q(ends_at__gt=start) | Q(starts_at__gte=start))
    if end is not None:
        events = events.filter(starts_at__lt=end)
    if kind:
        events = events.filter(kind=kind)
    if text:
        events = events.filter(Q(title__icontains=text) | Q(location__icontains=text))
    return events.order_by("starts_at", "id")


def calendar_event_as_dict(event: CalendarEvent, zone) -> dict:
    """An event as JSON-able data, its times in ``zone`` (the user's) as ISO 8601 with offset."""
    return {
        "id": event.id, "title": event.title, "kind": event.kind, "all_day": event.all_day,
        "starts_at": event.starts_at.astimezone(zone).isoformat(),
        "ends_at": event.ends_at.astimezone(zone).isoformat() if event.ends_at else None,
        "location": event.location, "reminder_minutes": event.reminder_minutes, "notes": event.notes,
    }
