"""Writes of the assistant app: profiles, conversations and messages."""

import dataclasses
import datetime
import logging
import uuid
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from assistant.context import context_invalidate
from assistant.models import Alert, CalendarEvent, Conversation, Message, PendingAction, Profile
from assistant.registry import ToolContext, ToolOutcome, call_tool, tool_card
from pam_project.service_support import apply_changes, data_changed

logger = logging.getLogger(__name__)


class ConversationNotFound(Exception):
    """The conversation does not exist or belongs to someone else (the two look the same)."""


def profile_get_or_create(*, user) -> Profile:
    """The user's profile, created with defaults (UTC, USD, imperial) on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


PROFILE_FIELDS = ("display_name", "timezone", "currency", "units", "home_region", "quiet_hours_start",
                  "quiet_hours_end", "alert_opt_outs")


@transaction.atomic
def profile_update(*, user, **changes) -> Profile:
    """Change the user's profile (fields in ``PROFILE_FIELDS``: quiet hours as local times,
    ``alert_opt_outs`` a list of alert categories). Raises ValidationError naming the field for a
    bad value (an unknown timezone or currency, an unknown alert category) and TypeError for a
    field that cannot be changed this way."""
    if isinstance(changes.get("alert_opt_outs"), list):
        changes["alert_opt_outs"] = sorted(set(changes["alert_opt_outs"]))
    profile = profile_get_or_create(user=user)
    apply_changes(profile, PROFILE_FIELDS, changes)
    profile.full_clean(exclude=["user"])
    profile.save()
    transaction.on_commit(lambda: context_invalidate(user.id))
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

    In a running conversation this is one INSERT: the database refuses a message whose
    conversation is not its user's (a foreign key on both, migration 0008), and the
    conversation's ``updated_at`` follows from a trigger.
    """
    message = Message(user=user, role=Message.Role.USER, content=text, client_message_id=client_message_id)
    try:
        if conversation_id is None:
            with transaction.atomic():
                message.conversation = Conversation.objects.create(user=user, title=_title_from(text))
                message.save(force_insert=True)
        else:
            message.conversation_id = conversation_id
            _insert_alone(message)
    except IntegrityError:
        if conversation_id is not None and not Conversation.objects.filter(id=conversation_id, user=user).exists():
            raise ConversationNotFound(conversation_id) from None
        # This message_id was saved before (a resend, maybe on another socket): the first wins.
        return Message.objects.get(user=user, client_message_id=client_message_id), False
    return message, True


def _insert_alone(row) -> None:
    """INSERT ``row`` as one statement (its own transaction in autocommit); inside a caller's
    transaction, in a savepoint, so a refused row leaves that transaction usable."""
    if connection.in_atomic_block:
        with transaction.atomic():
            row.save(force_insert=True)
    else:
        row.save(force_insert=True)


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
    """Save PAM's reply to ``user_message`` (one INSERT; the conversation's ``updated_at``
    follows from a trigger). A message has at most one reply (a database constraint), so a turn
    that somehow ran twice cannot answer twice: IntegrityError."""
    return Message.objects.create(
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


CONFIRMATION_TTL = datetime.timedelta(minutes=15)  # long enough to read it, short enough not to surprise


class PendingActionNotFound(Exception):
    """No pending action with that id belongs to the user (the two look the same)."""


@dataclass
class ActionResolution:
    """How a pending action ended: ``status`` is done, cancelled, expired or failed (or the
    earlier status when it was already resolved, with ``already_resolved``)."""

    action: PendingAction
    status: str
    outcome: ToolOutcome | None
    reply: Message | None
    already_resolved: bool = False


def action_propose(*, user, tool: str, arguments: dict, summary: str, conversation_id: int | None) -> PendingAction:
    """Save a tool call that waits for the user's approval; it expires after CONFIRMATION_TTL."""
    return PendingAction.objects.create(
        user=user, conversation_id=conversation_id, tool=tool, arguments=arguments, summary=summary[:500],
        expires_at=timezone.now() + CONFIRMATION_TTL,
    )


def _resolution_text(action: PendingAction, status: str, outcome: ToolOutcome | None) -> str:
    if status == PendingAction.Status.DONE:
        card = tool_card(outcome.as_record())
        return f"Done. {card['label']}: {card['summary']}." if card["summary"] else f"Done. {card['label']}."
    if status == PendingAction.Status.CANCELLED:
        return "Cancelled. Nothing was changed."
    if status == PendingAction.Status.EXPIRED:
        return "That request expired before it was approved, so nothing was changed. Ask me again if you still want it."
    error = outcome.result.get("error") if outcome else ""
    return f"I couldn't do that: {error or 'it failed'}. Nothing was changed."


def action_resolve(*, user, action_id, approved: bool, ctx: ToolContext) -> ActionResolution:
    """Answer a pending action: run its tool when ``approved``, else cancel it.

    Only the user's own pending action can be answered, once: the row is locked while it is
    resolved, so a second answer (another tab, a resent frame) sees it resolved. An action past
    its expiry is marked expired and not run. On resolution PAM's note about it is saved in the
    action's conversation. Raises PendingActionNotFound.
    """
    with transaction.atomic():
        action = PendingAction.objects.select_for_update().filter(id=action_id, user=user).first()
        if action is None:
            raise PendingActionNotFound(action_id)
        if action.status != PendingAction.Status.PENDING:
            return ActionResolution(action, action.status, None, None, already_resolved=True)
        outcome = None
        if action.expires_at <= timezone.now():
            status = PendingAction.Status.EXPIRED
        elif not approved:
            status = PendingAction.Status.CANCELLED
        else:  # in the action's conversation, so "undo that" there finds it
            outcome = call_tool(action.tool, action.arguments,
                                dataclasses.replace(ctx, conversation_id=action.conversation_id), confirmed=True)
            status = PendingAction.Status.FAILED if outcome.is_error else PendingAction.Status.DONE
            action.result = outcome.result
        action.status = status
        action.resolved_at = timezone.now()
        action.save(update_fields=["status", "result", "resolved_at"])
        reply = None
        if action.conversation_id:
            record = {"tool": action.tool, "input": action.arguments, "status": outcome.status if outcome else status,
                      "result": outcome.result if outcome else {}, "action_id": str(action.id)}
            if outcome and outcome.undo_id:
                record.update(undo_id=outcome.undo_id, undo_until=outcome.undo_until)
            reply = Message.objects.create(
                conversation_id=action.conversation_id, user=user, role=Message.Role.ASSISTANT,
                content=_resolution_text(action, status, outcome), tool_calls=[record] if outcome else [],
                provider="pam", model="",
            )
    return ActionResolution(action, status, outcome, reply)


CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "all_day", "kind", "location", "reminder_minutes", "notes")


def _calendar_changed(user) -> None:
    data_changed(user, "reload_calendar", parts=("travel",))


@transaction.atomic
def calendar_event_create(*, user, title: str, starts_at: datetime.datetime, **fields) -> CalendarEvent:
    """Put an event on the user's calendar. ``starts_at``/``ends_at`` must be aware (a time the
    user said, read in their timezone by the caller). Raises ValidationError (naive times, an end
    before the start, bad values)."""
    event = CalendarEvent(user=user, title=title.strip(), starts_at=starts_at, **fields)
    _validate_event(event)
    event.save()
    _calendar_changed(user)
    return event


def _validate_event(event: CalendarEvent) -> None:
    for name in ("starts_at", "ends_at"):
        value = getattr(event, name)
        if value is not None and timezone.is_naive(value):
            raise ValidationError({name: "A time needs its timezone."})
    event.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)


@transaction.atomic
def calendar_event_update(*, user, event_id: int, **changes) -> tuple[CalendarEvent, dict]:
    """Change an event (``CALENDAR_FIELDS``). Returns ``(event, previous values)``. Raises
    CalendarEvent.DoesNotExist (also for another user's), ValidationError."""
    event = CalendarEvent.objects.select_for_update().get(id=event_id, user=user)
    previous = apply_changes(event, CALENDAR_FIELDS, changes)
    if previous:
        _validate_event(event)
        event.save()
        _calendar_changed(user)
    return event, previous


@transaction.atomic
def calendar_event_delete(*, user, event_id: int) -> CalendarEvent:
    """Remove an event from the user's calendar. Raises CalendarEvent.DoesNotExist."""
    event = CalendarEvent.objects.select_for_update().get(id=event_id, user=user)
    event.delete()
    event.id = event_id
    _calendar_changed(user)
    return event


# --- Alerts --------------------------------------------------------------------------------------

def quiet_hours_end(profile: Profile, now: datetime.datetime) -> datetime.datetime | None:
    """When the user's quiet hours that contain ``now`` end (aware), or None when ``now`` is not
    in them (or they have none). Quiet hours are local wall-clock times and may span midnight
    (22:00–07:00)."""
    start, end = profile.quiet_hours_start, profile.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    zone = zoneinfo.ZoneInfo(profile.timezone or "UTC")
    local = now.astimezone(zone)
    clock = local.time()
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=zone)


@dataclass(frozen=True, slots=True)
class AlertCandidate:
    """An alert a monitor wants to raise; ``dedup_key`` names the condition and its period."""

    user_id: int
    category: str
    severity: str
    title: str
    message: str
    dedup_key: str
    actions: tuple[dict, ...] = ()


ALERT_INSERT_BATCH = 1000  # rows per INSERT: 9 parameters each, far below PostgreSQL's 65,535


def alerts_raise(candidates, *, now: datetime.datetime | None = None) -> list[Alert]:
    """Raise many alerts at once (what the monitors do), in a fixed number of queries per batch:
    a condition that already alerted (same user and ``dedup_key``, even from a concurrent run)
    and a category the user opted out of raise nothing; in the user's quiet hours a non-urgent
    alert is held until they end. Each new alert is also said in the user's latest conversation
    (one is started if they have none) so they can answer it, and once committed it is pushed to
    every open socket of its user. Returns the new alerts."""
    now = now or timezone.now()
    wanted = {(c.user_id, c.dedup_key[:200]): c for c in candidates}  # the same condition twice: once
    if not wanted:
        return []
    profiles = {p.user_id: p for p in Profile.objects.filter(user_id__in={user_id for user_id, _ in wanted})}
    already = set(Alert.objects.filter(user_id__in={u for u, _ in wanted}, dedup_key__in={k for _, k in wanted})
                  .values_list("user_id", "dedup_key"))
    alerts = []
    for (user_id, key), candidate in wanted.items():
        profile = profiles.get(user_id) or Profile(user_id=user_id)
        if (user_id, key) in already or candidate.category in (profile.alert_opt_outs or []):
            continue
        hold_until = None if candidate.severity == Alert.Severity.URGENT else quiet_hours_end(profile, now)
        alerts.append(Alert(user_id=user_id, category=candidate.category, severity=candidate.severity,
                            title=candidate.title[:200], message=candidate.message, dedup_key=key,
                            actions=list(candidate.actions), hold_until=hold_until))
    raised = []
    with transaction.atomic():
        for start in range(0, len(alerts), ALERT_INSERT_BATCH):
            raised += _insert_new_alerts(alerts[start:start + ALERT_INSERT_BATCH])
        _say_in_chat(raised)
    pushed = [alert for alert in raised if alert.hold_until is None]
    if pushed:
        transaction.on_commit(lambda: push_alerts(pushed))
    return raised


def _insert_new_alerts(alerts: list[Alert]) -> list[Alert]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: exactly the rows this call created, so two runs
    racing on one condition never both say it (the ORM's bulk_create cannot report which rows
    an ignored conflict skipped). One query."""
    if not alerts:
        return []
    names = ("user", "category", "severity", "title", "message", "actions", "dedup_key", "created_at", "hold_until")
    fields = [Alert._meta.get_field(name) for name in names]
    created_at = timezone.now()
    for alert in alerts:
        alert.created_at = created_at
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(Alert._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES {', '.join([row] * len(alerts))} "
           f"ON CONFLICT ({quote('user_id')}, {quote('dedup_key')}) DO NOTHING "
           f"RETURNING {quote('id')}, {quote('user_id')}, {quote('dedup_key')}")
    params = [field.get_db_prep_save(getattr(alert, field.attname), connection) for alert in alerts for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {(user_id, key): pk for pk, user_id, key in cursor.fetchall()}
    raised = []
    for alert in alerts:
        pk = inserted.get((alert.user_id, alert.dedup_key))
        if pk is not None:
            alert.id, alert._state.adding, alert._state.db = pk, False, connection.alias
            raised.append(alert)
    return raised


def _say_in_chat(alerts: list[Alert]) -> None:
    """Each alert as a PAM message in its user's latest conversation (which moves to the top of
    their list: migration 0008's trigger). Four queries, whatever the number of alerts."""
    if not alerts:
        return
    user_ids = {alert.user_id for alert in alerts}
    latest = (Conversation.objects.filter(user_id=OuterRef("id")).order_by("-updated_at", "-id").values("id")[:1])
    conversation_of = dict(get_user_model().objects.filter(id__in=user_ids)
                           .annotate(conversation_id=Subquery(latest)).values_list("id", "conversation_id"))
    started = Conversation.objects.bulk_create([Conversation(user_id=user_id, title="Alerts from PAM")
                                                for user_id, known in conversation_of.items() if known is None])
    conversation_of.update({conversation.user_id: conversation.id for conversation in started})
    messages = Message.objects.bulk_create([
        Message(conversation_id=conversation_of[alert.user_id], user_id=alert.user_id, role=Message.Role.ASSISTANT,
                content=f"{alert.title}\n{alert.message}", provider="pam", model="alert")
        for alert in alerts])
    for alert, message in zip(alerts, messages, strict=True):
        alert.chat_message = message
    Alert.objects.bulk_update(alerts, ["chat_message"])


def alert_raise(
    *, user, category: str, severity: str, title: str, message: str, dedup_key: str, actions=(),
    now: datetime.datetime | None = None,
) -> Alert | None:
    """Raise one alert for ``user`` (see ``alerts_raise``). Returns it, or None when nothing was
    raised (the condition already alerted, or the user opted out of ``category``)."""
    candidate = AlertCandidate(user_id=user.id, category=category, severity=severity, title=title, message=message,
                               dedup_key=dedup_key, actions=tuple(actions))
    raised = alerts_raise([candidate], now=now)
    return raised[0] if raised else None


def alert_as_dict(alert: Alert) -> dict:
    """An alert as the ``proactive_alert`` frame and the API show it."""
    return {
        "id": alert.id, "category": alert.category, "severity": alert.severity, "title": alert.title,
        "message": alert.message, "actions": alert.actions, "created_at": alert.created_at.isoformat(),
        "conversation_id": alert.chat_message.conversation_id if alert.chat_message_id else None,
        "read": alert.read_at is not None,
    }


def push_alerts(alerts: list[Alert]) -> None:
    """Send each alert to its user's open sockets (group ``user.<id>``), which mark it delivered.
    One event loop for the lot; an alert that cannot be pushed is delivered on the next connect."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None or not alerts:
        return

    frames = [(alert.user_id, alert_as_dict(alert)) for alert in alerts]

    async def send_all():
        for user_id, frame in frames:
            try:
                await layer.group_send(f"user.{user_id}", {"type": "alert.push", "alert": frame})
            except Exception:
                logger.warning("could not push alert %s", frame["id"], exc_info=True)

    async_to_sync(send_all)()


def alerts_to_deliver(*, user, now: datetime.datetime | None = None) -> list[dict]:
    """The user's unacknowledged alerts whose hold (if any) is over, oldest first: what a socket
    sends when it connects. They are marked delivered."""
    now = now or timezone.now()
    alerts = list(Alert.objects.filter(user=user, read_at__isnull=True)
                  .filter(Q(hold_until__isnull=True) | Q(hold_until__lte=now)).order_by("created_at", "id"))
    Alert.objects.filter(id__in=[a.id for a in alerts], delivered_at__isnull=True).update(delivered_at=now)
    return [alert_as_dict(alert) for alert in alerts]


def alert_mark_delivered(*, user, alert_id: int) -> None:
    Alert.objects.filter(id=alert_id, user=user, delivered_at__isnull=True).update(delivered_at=timezone.now())


def alert_acknowledge(*, user, alert_id: int) -> Alert:
    """Mark one of the user's alerts read; it is not sent again. Raises Alert.DoesNotExist."""
    alert = Alert.objects.get(id=alert_id, user=user)
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert


def alerts_release_held(*, now: datetime.datetime | None = None) -> int:
    """Push every held alert whose quiet hours are over (for the scheduler). Returns how many."""
    now = now or timezone.now()
    released = list(Alert.objects.filter(hold_until__lte=now, delivered_at__isnull=True, read_at__isnull=True)
                    .select_related("chat_message"))
    Alert.objects.filter(id__in=[a.id for a in released]).update(hold_until=None)
    push_alerts(released)
    return len(released)
