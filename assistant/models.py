import datetime
import uuid
import zoneinfo

from babel.numbers import list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def validate_timezone(value: str) -> None:
    """Accept IANA zone names only ("America/Denver"); raises ValidationError otherwise."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA timezone, e.g. 'America/Denver'.")


def validate_currency(value: str) -> None:
    """Accept ISO 4217 codes known to Babel ("USD", "CAD"); raises ValidationError otherwise."""
    if value not in list_currencies():
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code, e.g. 'USD'.")


def validate_alert_categories(value) -> None:
    """Accept a list of alert categories (``Alert.Category``: "fuel", "budget", …); raises
    ValidationError otherwise."""
    categories = Alert.Category.values
    if not isinstance(value, list) or any(item not in categories for item in value):
        raise ValidationError(f"Choose alert categories from {', '.join(categories)}.")


class Profile(models.Model):
    class Units(models.TextChoices):
        IMPERIAL = "imperial", "Miles and gallons"
        METRIC = "metric", "Kilometres and litres"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pam_profile")
    display_name = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(
        max_length=64, blank=True, validators=[validate_timezone],
        help_text="IANA name, e.g. 'America/Denver'. Blank: the browser's timezone is used.",
    )
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    units = models.CharField(max_length=10, choices=Units.choices, default=Units.IMPERIAL)
    home_region = models.CharField(max_length=100, blank=True, help_text="e.g. 'Colorado' or 'British Columbia'.")
    quiet_hours_start = models.TimeField(null=True, blank=True,
                                         help_text="Local time from which alerts wait (urgent ones still come).")
    quiet_hours_end = models.TimeField(null=True, blank=True, help_text="Local time when held alerts are sent.")
    alert_opt_outs = models.JSONField(default=list, blank=True, validators=[validate_alert_categories],
                                      help_text="Alert categories the user does not want, e.g. ['weather'].")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.display_name or self.user.get_username()


class Conversation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["user", "-updated_at"], name="conversation_user_recent")]
        # What a message's (conversation, user) foreign key refers to (migration 0008): a message
        # can only be saved into a conversation of its own user.
        constraints = [models.UniqueConstraint(fields=["id", "user"], name="conversation_id_user")]

    def __str__(self):
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"

    class Status(models.TextChoices):
        COMPLETE = "complete", "Complete"
        STOPPED = "stopped", "Stopped by the user"
        ERROR = "error", "Ended by an error"

    # Indexed by message_conversation_order below (its first column), not by an index of its own.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pam_messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField(blank=True)
    client_message_id = models.UUIDField(
        null=True, blank=True, help_text="The client's message_id: a resent frame never starts a second turn."
    )
    reply_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reply",
        help_text="For an assistant message, the user message it answers (one reply at most).",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMPLETE)
    tool_calls = models.JSONField(default=list, blank=True)
    provider = models.CharField(max_length=30, blank=True)
    model = models.CharField(max_length=100, blank=True)
    usage = models.JSONField(default=dict, blank=True, help_text="Token counts reported by the provider.")
    latency_ms = models.PositiveIntegerField(null=True, blank=True, help_text="From the user's frame to the reply.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        # A conversation's messages in order, read backwards for the latest (the chat turn's history:
        # an index scan that stops after the last 30). The user is in it because every read names
        # both: without it PostgreSQL, which estimates about one row under the row level security
        # policy, combined two indexes and sorted the whole conversation (1.7 ms against 0.15 ms at
        # 800 messages in bench/chat_load.py's database; docs/performance.md).
        indexes = [models.Index(fields=["conversation", "user", "created_at", "id"],
                                name="message_conversation_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client_message_id"],
                condition=Q(client_message_id__isnull=False),
                name="message_unique_client_id_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.role}: {self.content[:60]}"


class PendingAction(models.Model):
    """A tool call that waits for the user's approval (DESIGN.md, "Tools": destructive tools).

    The model proposes it; nothing runs until the user answers with ``confirm_action`` over the
    socket. An action is resolved once: the first answer wins (a conditional update claims it).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the user"
        DONE = "done", "Approved and done"
        CANCELLED = "cancelled", "Declined by the user"
        EXPIRED = "expired", "Expired unanswered"
        FAILED = "failed", "Approved but failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_actions")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="pending_actions"
    )
    tool = models.CharField(max_length=100)
    arguments = models.JSONField(default=dict, help_text="The validated tool arguments.")
    summary = models.CharField(max_length=500, help_text="What will happen, as shown to the user.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "status"], name="pending_action_user_status")]

    def __str__(self):
        return f"{self.tool} ({self.status}): {self.summary}"


class UndoableChange(models.Model):
    """What one write tool call changed, so the user can take it back for a while (issue 6, "Tool
    safety": every write tool can be undone for 10 minutes, ``PAM_UNDO_SECONDS``).

    ``changes`` lists every row of the user's records the call touched, in the order it first
    touched them: ``[{"model": "finance.expense", "pk": 31, "before": {...} | null, "after":
    {...} | null}]`` with every column's value (JSON; ``before`` null for a row it created,
    ``after`` null for one it deleted); ``steps`` each write in order (``[{"model", "pk", "op":
    "insert" | "update" | "delete", "before"}]``), which an undo reverses. See ``assistant.undo``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="undoable_changes")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="undoable_changes"
    )
    tool = models.CharField(max_length=100)
    summary = models.CharField(max_length=500, help_text="What the call did, as its tool card says it.")
    changes = models.JSONField(default=list)
    steps = models.JSONField(default=list, help_text="Each write in order, with the row just before it.")
    ui_actions = models.JSONField(default=list, blank=True, help_text="What open pages reload after an undo.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="undoable_change_user_recent")]

    def __str__(self):
        return f"{self.tool}: {self.summary}"


class CalendarEvent(models.Model):
    """Something on the user's calendar. ``starts_at``/``ends_at`` are aware datetimes (stored in
    UTC); a time the user says is read in their timezone, so "2pm" is 2pm where they are. An
    all-day event spans whole local days."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        REMINDER = "reminder", "Reminder"
        TRIP = "trip", "Trip"
        BOOKING = "booking", "Booking"
        MAINTENANCE = "maintenance", "Maintenance"

    # The days an event may fall on, as the REST API and the tools read them: nobody plans for
    # year 1 or 9999, where date arithmetic overflows.
    FIRST_DAY = datetime.date(1900, 1, 1)
    LAST_DAY = datetime.date(2999, 12, 31)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_events")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    all_day = models.BooleanField(default=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PERSONAL)
    location = models.CharField(max_length=200, blank=True)
    reminder_minutes = models.PositiveIntegerField(null=True, blank=True,
                                                   help_text="Remind this many minutes before the start.")
    notes = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["user", "starts_at"], name="calendar_event_user_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                                   name="calendar_event_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M})"

    @classmethod
    def check_day(cls, day: datetime.date) -> datetime.date:
        """``day`` (a date or datetime) when it is within FIRST_DAY..LAST_DAY; else ValueError."""
        if not cls.FIRST_DAY <= (day.date() if isinstance(day, datetime.datetime) else day) <= cls.LAST_DAY:
            raise ValueError(f"give a day from {cls.FIRST_DAY} to {cls.LAST_DAY}")
        return day

    def clean(self):
        if self.ends_at and self.starts_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "The event must end at or after its start."})


class Alert(models.Model):
    """Something PAM warns the user about before it becomes trouble (DESIGN.md, "Proactive
    monitors"). ``dedup_key`` names the condition and its period ("budget:fuel:2026-11:high"), so
    the same condition alerts once however often a monitor runs. ``hold_until`` keeps a
    non-urgent alert raised in the user's quiet hours until they end."""

    class Category(models.TextChoices):
        FUEL = "fuel", "Fuel"
        BUDGET = "budget", "Budget"
        WEATHER = "weather", "Weather"
        MAINTENANCE = "maintenance", "Maintenance"
        TRIP = "trip", "Trip"
        CALENDAR = "calendar", "Calendar"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    category = models.CharField(max_length=12, choices=Category.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    title = models.CharField(max_length=200)
    message = models.TextField(max_length=2000)
    actions = models.JSONField(default=list, blank=True,
                               help_text="Replies offered with it: [{'label': 'Find fuel', 'message': '...'}].")
    dedup_key = models.CharField(max_length=200)
    chat_message = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="alert", help_text="The alert as PAM said it in the chat.")
    created_at = models.DateTimeField(auto_now_add=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="First sent to an open socket.")
    read_at = models.DateTimeField(null=True, blank=True, help_text="Acknowledged by the user.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="alert_user_unread")]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedup_key"], name="alert_unique_dedup_key"),
            models.CheckConstraint(condition=Q(severity__in=["low", "medium", "high", "urgent"]),
                                   name="alert_severity_valid"),
        ]

    def __str__(self):
        return f"{self.severity}: {self.title}"



class MonitorRun(models.Model):
    """One run of a proactive monitor, so staff can see in admin what the monitors did."""

    class Monitor(models.TextChoices):
        FUEL = "fuel", "Fuel"
        BUDGET = "budget", "Budget"
        WEATHER = "weather", "Weather"
        MAINTENANCE = "maintenance", "Maintenance"
        CONTEXT = "context", "Trips and calendar"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    monitor = models.CharField(max_length=12, choices=Monitor.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    users_scanned = models.PositiveIntegerField(default=0, help_text="Users whose data the run looked at.")
    alerts_raised = models.PositiveIntegerField(default=0, help_text="New alerts (repeats are not raised again).")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["monitor", "-started_at"], name="monitor_run_recent")]

    def __str__(self):
        return f"{self.get_monitor_display()} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None
