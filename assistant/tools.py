"""PAM's calendar, alert-settings and undo tools. A time the user says ("Tuesday at 2pm") is in
their timezone: a time without an offset is read in ``ctx.timezone`` (the original product put
events an hour off by reading it in the server's), and every time goes back to the model with its
offset."""

import datetime
import uuid
from typing import Annotated, Literal

from django.core.exceptions import ObjectDoesNotExist
from pydantic import AfterValidator, BaseModel, Field, model_validator

from assistant import selectors, services, undo
from assistant.models import Alert, CalendarEvent
from assistant.registry import Confirmation, ToolContext, ToolError, ToolResult, pam_tool


def _card(*parts) -> str:
    return " · ".join(str(part) for part in parts if part)


def local_time(value: datetime.datetime | None, ctx: ToolContext) -> datetime.datetime | None:
    """``value`` as an aware datetime: a naive one is the user's wall-clock time (their zone,
    DST included); an aware one is kept as the instant it names."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ctx.timezone)


def _when(event: dict) -> str:
    start = datetime.datetime.fromisoformat(event["starts_at"])
    if event["all_day"]:
        return f"{start:%a %b} {start.day}"
    return f"{start:%a %b} {start.day}, {start:%-I:%M %p}".replace(":00 ", " ")


def _own_event(ctx: ToolContext, event_id: int) -> CalendarEvent:
    try:
        return CalendarEvent.objects.get(id=event_id, user=ctx.user)
    except ObjectDoesNotExist:
        raise ToolError(f"There is no event {event_id}; list_calendar_events shows the user's events.") from None


# A calendar day or time within CalendarEvent.FIRST_DAY..LAST_DAY.
CalendarDay = Annotated[datetime.date, AfterValidator(CalendarEvent.check_day)]
CalendarTime = Annotated[datetime.datetime, AfterValidator(CalendarEvent.check_day)]


class CreateEventArgs(BaseModel):
    title: str = Field(min_length=1, max_length=200, description="What: 'Dentist appointment'.")
    starts_at: CalendarTime | None = Field(
        None, description="Start, YYYY-MM-DDTHH:MM in the user's local time (no offset needed).")
    date: CalendarDay | None = Field(None, description="For an all-day event: the day, YYYY-MM-DD.")
    duration_minutes: int | None = Field(None, gt=0, le=60 * 24 * 14, description="Omit for 60 (timed events).")
    kind: CalendarEvent.Kind = Field(CalendarEvent.Kind.PERSONAL,
                                     description="personal, reminder, trip, booking or maintenance.")
    location: str = Field("", max_length=200)
    reminder_minutes: int | None = Field(None, ge=0, le=60 * 24 * 14, description="Remind this long before.")
    notes: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def one_start(self):
        if (self.starts_at is None) == (self.date is None):
            raise ValueError("give starts_at for a timed event or date for an all-day one")
        return self


def _event_result(event: CalendarEvent, ctx: ToolContext) -> dict:
    return selectors.calendar_event_as_dict(event, ctx.timezone)


@pam_tool(writes=True, label="Added to calendar", card=lambda a, r: _card(
    r.get("event", {}).get("title"), r.get("event") and _when(r["event"])))
def create_calendar_event(ctx: ToolContext, args: CreateEventArgs) -> ToolResult:
    """Put an event on the user's calendar ("add a dentist appointment next Tuesday at 2pm"):
    a timed event (starts_at in the user's local time; 60 minutes unless a duration is given) or
    an all-day one (date). Returns the event with its times in the user's timezone."""
    if args.date is not None:
        starts_at = datetime.datetime.combine(args.date, datetime.time(0), tzinfo=ctx.timezone)
        days = max(1, (args.duration_minutes or 24 * 60) // (24 * 60))
        ends_at = starts_at + datetime.timedelta(days=days)
    else:
        starts_at = local_time(args.starts_at, ctx)
        ends_at = starts_at + datetime.timedelta(minutes=args.duration_minutes or 60)
    if starts_at < ctx.now - datetime.timedelta(days=1):
        raise ToolError(f"{starts_at:%Y-%m-%d} has passed; calendar events are for what is coming.")
    event = services.calendar_event_create(
        user=ctx.user, title=args.title, starts_at=starts_at, ends_at=ends_at, all_day=args.date is not None,
        kind=args.kind, location=args.location, reminder_minutes=args.reminder_minutes, notes=args.notes)
    return ToolResult(data={"event": _event_result(event, ctx), "timezone": str(ctx.timezone)},
                      ui_actions=[{"type": "reload_calendar"}])


class ListEventsArgs(BaseModel):
    start_date: CalendarDay | None = Field(None, description="From this day (YYYY-MM-DD); omit for today.")
    end_date: CalendarDay | None = Field(None, description="Through this day; omit for two weeks on.")
    kind: CalendarEvent.Kind | None = None
    text: str | None = Field(None, max_length=100, description="Words in the title or location.")


@pam_tool(label="Checked calendar", card=lambda a, r: _card(
    f"{r.get('start_date')} – {r.get('end_date')}", f"{len(r.get('events', []))} events"))
def list_calendar_events(ctx: ToolContext, args: ListEventsArgs) -> ToolResult:
    """The user's calendar between two days (default: today and the next 14 days), soonest
    first, each with an ``id`` for update_calendar_event and delete_calendar_event."""
    first = args.start_date or ctx.today
    last = args.end_date or first + datetime.timedelta(days=14)
    if last < first:
        raise ToolError("end_date is before start_date.")
    start = datetime.datetime.combine(first, datetime.time(0), tzinfo=ctx.timezone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(0), tzinfo=ctx.timezone)
    events = selectors.calendar_events(user=ctx.user, start=start, end=end, kind=args.kind, text=args.text)
    return ToolResult(data={"start_date": first.isoformat(), "end_date": last.isoformat(),
                            "timezone": str(ctx.timezone), "events": [_event_result(e, ctx) for e in events[:50]]})


class UpdateEventArgs(BaseModel):
    event_id: int = Field(description="The event's id (from list_calendar_events).")
    title: str | None = Field(None, min_length=1, max_length=200)
    starts_at: CalendarTime | None = Field(None, description="New start in the user's local time; the "
                                           "event keeps its length.")
    duration_minutes: int | None = Field(None, gt=0, le=60 * 24 * 14)
    kind: CalendarEvent.Kind | None = None
    location: str | None = Field(None, max_length=200)
    reminder_minutes: int | None = Field(None, ge=0, le=60 * 24 * 14)
    notes: str | None = Field(None, max_length=2000)


@pam_tool(writes=True, label="Changed event", card=lambda a, r: _card(
    r.get("event", {}).get("title"), r.get("event") and _when(r["event"])))
def update_calendar_event(ctx: ToolContext, args: UpdateEventArgs) -> ToolResult:
    """Change an event ("move the dentist to 3pm"): only the fields given. Moving the start
    keeps the event's length unless a duration is given."""
    event = _own_event(ctx, args.event_id)
    changes = args.model_dump(exclude={"event_id", "starts_at", "duration_minutes"}, exclude_none=True)
    length = (event.ends_at - event.starts_at) if event.ends_at else datetime.timedelta(hours=1)
    if args.duration_minutes:
        length = datetime.timedelta(minutes=args.duration_minutes)
    if args.starts_at is not None:
        changes["starts_at"] = local_time(args.starts_at, ctx)
    if args.starts_at is not None or args.duration_minutes:
        changes["ends_at"] = changes.get("starts_at", event.starts_at) + length
    if not changes:
        raise ToolError("Nothing to change: give at least one field.")
    event, previous = services.calendar_event_update(user=ctx.user, event_id=event.id, **changes)
    return ToolResult(data={"event": _event_result(event, ctx), "changed": sorted(previous)},
                      ui_actions=[{"type": "reload_calendar"}])


class DeleteEventArgs(BaseModel):
    event_id: int = Field(description="The event's id (from list_calendar_events).")


def _confirm_delete_event(ctx: ToolContext, args: DeleteEventArgs) -> Confirmation:
    event = _event_result(_own_event(ctx, args.event_id), ctx)
    return Confirmation(summary=f"Delete {event['title']} · {_when(event)}", data={"event": event})


@pam_tool(writes=True, label="Deleted event", confirm=_confirm_delete_event, card=lambda a, r: _card(
    r.get("event", {}).get("title"), r.get("event") and _when(r["event"])))
def delete_calendar_event(ctx: ToolContext, args: DeleteEventArgs) -> ToolResult:
    """Remove an event from the user's calendar. The user must approve it first: the call only
    proposes the deletion; nothing is removed until they approve."""
    event = _event_result(_own_event(ctx, args.event_id), ctx)
    services.calendar_event_delete(user=ctx.user, event_id=args.event_id)
    return ToolResult(data={"event": event, "deleted": True}, ui_actions=[{"type": "reload_calendar"}])


class AlertPreferencesArgs(BaseModel):
    quiet_hours_start: datetime.time | None = Field(
        None, description="Local time (HH:MM) from which alerts that are not urgent wait; give the end too.")
    quiet_hours_end: datetime.time | None = Field(None, description="Local time (HH:MM) when held alerts are sent.")
    clear_quiet_hours: bool = Field(False, description="true: no quiet hours any more.")
    mute: list[Alert.Category] = Field(default_factory=list, description="Alert categories to stop sending.")
    unmute: list[Alert.Category] = Field(default_factory=list, description="Alert categories to send again.")

    @model_validator(mode="after")
    def consistent(self):
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValueError("give quiet hours a start and an end")
        if self.clear_quiet_hours and self.quiet_hours_start is not None:
            raise ValueError("either set quiet hours or clear them")
        if set(self.mute) & set(self.unmute):
            raise ValueError("a category cannot be muted and unmuted at once")
        return self


def _preferences(profile) -> dict:
    quiet = None
    if profile.quiet_hours_start is not None and profile.quiet_hours_end is not None:
        quiet = {"start": profile.quiet_hours_start.strftime("%H:%M"), "end": profile.quiet_hours_end.strftime("%H:%M")}
    return {"quiet_hours": quiet, "muted": list(profile.alert_opt_outs or []),
            "categories": list(Alert.Category.values)}


@pam_tool(writes=True, label="Alert settings", card=lambda a, r: _card(
    r.get("quiet_hours") and f"quiet {r['quiet_hours']['start']}–{r['quiet_hours']['end']}",
    r.get("muted") and "muted: " + ", ".join(r["muted"])))
def set_alert_preferences(ctx: ToolContext, args: AlertPreferencesArgs) -> ToolResult:
    """Change how PAM warns the user, or (with no arguments) say how it does now: quiet hours
    (local times; alerts that are not urgent wait until they end) and the alert categories (fuel,
    budget, weather, maintenance, trip, calendar) they do not want ("stop sending me weather
    alerts"). Returns {"quiet_hours": {"start", "end"} | null, "muted": [...], "categories": [...]}."""
    profile = services.profile_get_or_create(user=ctx.user)
    changes = {}
    if args.quiet_hours_start is not None:
        changes.update(quiet_hours_start=args.quiet_hours_start, quiet_hours_end=args.quiet_hours_end)
    if args.clear_quiet_hours:
        changes.update(quiet_hours_start=None, quiet_hours_end=None)
    if args.mute or args.unmute:
        muted = (set(profile.alert_opt_outs or []) | {str(c) for c in args.mute}) - {str(c) for c in args.unmute}
        changes["alert_opt_outs"] = sorted(muted)
    if changes:
        profile = services.profile_update(user=ctx.user, **changes)
    return ToolResult(data={**_preferences(profile), "changed": sorted(changes)})


class UndoArgs(BaseModel):
    undo_id: uuid.UUID | None = Field(None, description="One particular change: the undo_id of an earlier tool call. "
                                      "Omit for the most recent change.")
    what: Literal[tuple(undo.UNDO_KINDS)] | None = Field(
        None, description="Only the most recent change to this kind of record (\"undo the last expense\"); omit "
        "for the most recent change of any kind.")


@pam_tool(writes=True, undoable=False, label="Undid", card=lambda a, r: r.get("summary", ""))
def undo_last_action(ctx: ToolContext, args: UndoArgs) -> ToolResult:
    """Undo the most recent change PAM made in this conversation (something it logged, set,
    changed or deleted) within the last 10 minutes, or a given one: "undo that", "take that
    back", "undo the last expense" (what="expense"). Everything that call changed goes back as it
    was. It is refused when the time is up, it was undone already, or the record was edited
    since; say why. Returns what was undone."""
    undo_id = args.undo_id
    if undo_id is None:
        change = undo.latest_change(user=ctx.user, conversation_id=ctx.conversation_id, what=args.what)
        if change is None:
            what = f"any {args.what.replace('_', ' ')}" if args.what else "anything"
            raise ToolError(f"I haven't changed {what} in this conversation that could be undone.")
        undo_id = change.id
    try:
        outcome = undo.change_undo(user=ctx.user, undo_id=undo_id)
    except undo.UndoNotFound:
        raise ToolError("There is no such change to undo.") from None
    if outcome.status != "done":
        raise ToolError(outcome.message)
    change = outcome.change
    return ToolResult(data={"undone": True, "undo_id": str(change.id), "tool": change.tool, "summary": change.summary,
                            "message": outcome.message}, ui_actions=outcome.ui_actions)
