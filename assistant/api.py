"""/api/v1/calendar-events/: the user's calendar; /api/v1/alerts/: what PAM warned them about;
/api/v1/profile/: who they are to PAM and how they want to be warned.

Times are ISO 8601. Answers give them in the user's profile timezone with its offset
("2026-11-24T14:00:00-07:00"); a time sent without an offset is read in that timezone, so
"2026-11-24T14:00" is 2 pm where the user is (the original product put events an hour off by
reading such times in the server's zone). An all-day event covers whole local days: it starts at
midnight of its first day and ends at midnight after its last (``ends_at`` exclusive, as in
iCalendar); with ``all_day`` the times may be sent as dates (YYYY-MM-DD, ``ends_at`` then being
the last day) and are widened to those midnights.
"""

import datetime
import re

import django_filters
from django import forms
from django.db import models
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from assistant import services
from assistant.models import Alert, CalendarEvent, Profile
from assistant.selectors import calendar_events
from pam_project.api_support import ModelSerializer, OwnedRows, service_errors, user_zone

DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_date(value) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def _midnight(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)


def _local_day(value, zone) -> datetime.date:
    return value if _is_date(value) else value.astimezone(zone).date()


def _day_after_end(value, zone) -> datetime.datetime:
    """Midnight after an all-day event's end: after the day given, or the first local midnight at
    or after the time given."""
    if _is_date(value):
        return _midnight(value + datetime.timedelta(days=1), zone)
    local = value.astimezone(zone)
    if local.time() == datetime.time(0):
        return _midnight(local.date(), zone)
    return _midnight(local.date() + datetime.timedelta(days=1), zone)


class LocalDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time shown in the user's timezone (``context["zone"]``) with its offset; a time
    sent without an offset is read in that zone. A date (YYYY-MM-DD) passes through as a date,
    for all-day events."""

    def default_timezone(self):
        return self.context.get("zone") or super().default_timezone()

    def to_representation(self, value):
        text = super().to_representation(value)
        # RFC 3339 offsets are whole minutes; a zone's local mean time before it took standard
        # time is not (Denver's -06:59:56 before 1883): such an instant is shown in UTC.
        if isinstance(text, str) and re.search(r"[+-]\d\d:\d\d:\d\d(\.\d+)?$", text):
            return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
        return text

    def enforce_timezone(self, value):
        # A wall-clock time is read as PAM's tools read one (assistant.tools.local_time): at a
        # clock change, an hour that happens twice means the first, and a skipped one the hour
        # after (2:30 on a spring-forward night is 3:30), instead of DRF's 400 for the former.
        _check_day(value)  # before any arithmetic: near year 1 or 9999 it would overflow
        if timezone.is_naive(value):
            value = value.replace(tzinfo=self.default_timezone()).astimezone(datetime.UTC)
        return super().enforce_timezone(value)

    def to_internal_value(self, value):
        if isinstance(value, str) and DATE_ONLY.fullmatch(value.strip()):
            try:
                day = datetime.date.fromisoformat(value.strip())
            except ValueError:
                self.fail("invalid", format="YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][±hh:mm]")
            return _check_day(day)
        return super().to_internal_value(value)


def _check_day(value):
    """``value`` (a date or datetime) when it is on a day an event may fall on, else a 400."""
    try:
        return CalendarEvent.check_day(value)
    except ValueError as exc:
        raise ValidationError(str(exc).capitalize() + ".") from None


class CalendarEventSerializer(ModelSerializer):
    starts_at = LocalDateTimeField(help_text="ISO 8601; without an offset, your profile's timezone. With "
                                   "all_day, a date (YYYY-MM-DD) and stored as its local midnight.")
    ends_at = LocalDateTimeField(required=False, allow_null=True, help_text="At or after starts_at. With all_day, "
                                 "the last day (YYYY-MM-DD) and stored as the midnight after it (exclusive); "
                                 "omitted: a one-day event.")

    class Meta:
        model = CalendarEvent
        fields = ["id", "title", "starts_at", "ends_at", "all_day", "kind", "location", "reminder_minutes", "notes",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"all_day": {"help_text": "Whole local days, from midnight to midnight."}}

    def validate(self, attrs):
        instance = self.instance
        all_day = attrs.get("all_day", instance.all_day if instance else False)
        if not all_day:
            for name in ("starts_at", "ends_at"):
                if _is_date(attrs.get(name)):
                    raise ValidationError({name: ["Give a time (YYYY-MM-DDThh:mm), or set all_day for whole days."]})
            return attrs
        if instance is not None and not {"all_day", "starts_at", "ends_at"} & set(attrs):
            return attrs  # not a change of when: keep the days as stored
        zone = self.context["zone"]
        starts_at = attrs.get("starts_at", instance.starts_at if instance else None)
        ends_at = attrs["ends_at"] if "ends_at" in attrs else (instance.ends_at if instance else None)
        first = _local_day(starts_at, zone)
        start = _midnight(first, zone)
        end = _midnight(first + datetime.timedelta(days=1), zone)
        if ends_at is not None:
            if _local_day(ends_at, zone) < first:
                raise ValidationError({"ends_at": ["The event must end on or after its first day."]})
            end = max(end, _day_after_end(ends_at, zone))
        attrs["starts_at"], attrs["ends_at"] = start, end
        return attrs


class MomentField(forms.CharField):
    """A date (YYYY-MM-DD) or an ISO 8601 time, with or without an offset."""

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        if not value:
            return None
        try:
            if DATE_ONLY.fullmatch(value):
                return self.check_day(datetime.date.fromisoformat(value))
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise forms.ValidationError("Give a date (YYYY-MM-DD) or an ISO 8601 time (YYYY-MM-DDThh:mm[±hh:mm]).")
        return self.check_day(moment)

    @staticmethod
    def check_day(value):
        try:
            return CalendarEvent.check_day(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from None


class MomentFilter(django_filters.CharFilter):
    field_class = MomentField


def _bound(value, zone, *, end: bool) -> datetime.datetime | None:
    """A query bound as an aware time: a date is its local start (or, for ``end``, the midnight
    after it); a time without an offset is local."""
    if value is None:
        return None
    if _is_date(value):
        return _midnight(value + datetime.timedelta(days=1 if end else 0), zone)
    return value if value.tzinfo else value.replace(tzinfo=zone)


class CalendarEventFilter(django_filters.FilterSet):
    start = MomentFilter(help_text="Events ending at or after this: a date (from its start) or an ISO 8601 time; "
                         "without an offset, your profile's timezone.")
    end = MomentFilter(help_text="Events starting before this: a date (through its end) or an ISO 8601 time; "
                       "without an offset, your profile's timezone.")
    kind = django_filters.ChoiceFilter(choices=CalendarEvent.Kind.choices)
    q = django_filters.CharFilter(help_text="Text in the title or location (case-insensitive).")

    class Meta:
        model = CalendarEvent
        fields = ["start", "end", "kind", "q"]

    def filter_queryset(self, queryset):
        values = self.form.cleaned_data
        zone = user_zone(self.request.user)
        start = _bound(values.get("start"), zone, end=False)
        end = _bound(values.get("end"), zone, end=True)
        if start and end and end < start:
            raise ValidationError({"end": ["Must be at or after start."]})
        return queryset & calendar_events(user=self.request.user, start=start, end=end,
                                          kind=values.get("kind") or None, text=values.get("q") or None)


@extend_schema_view(
    list=extend_schema(summary="List calendar events", description="Soonest first; times in your profile's "
                       "timezone with their offset."),
    create=extend_schema(
        summary="Add a calendar event",
        description="Times are ISO 8601; one without an offset is read in your profile's timezone (so "
        "`2026-11-24T14:00` is 2 pm where you are). With `all_day`, send dates: the event covers those "
        "whole local days.",
    ),
    retrieve=extend_schema(summary="One calendar event"),
    update=extend_schema(summary="Change a calendar event"),
    partial_update=extend_schema(summary="Change some fields of a calendar event"),
    destroy=extend_schema(summary="Delete a calendar event"),
)
class CalendarEventViewSet(OwnedRows, viewsets.ModelViewSet):
    serializer_class = CalendarEventSerializer
    filterset_class = CalendarEventFilter
    ordering_fields = ["starts_at", "title", "created_at"]
    ordering = ["starts_at", "id"]

    def user_rows(self, user):
        return CalendarEvent.objects.filter(user=user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.user.is_authenticated:
            context["zone"] = user_zone(self.request.user)
        return context

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.calendar_event_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance, _ = services.calendar_event_update(
                user=self.request.user, event_id=serializer.instance.id, **serializer.validated_data)

    def perform_destroy(self, instance):
        with service_errors():
            services.calendar_event_delete(user=self.request.user, event_id=instance.id)


class AlertSerializer(serializers.ModelSerializer):
    conversation_id = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "category", "severity", "title", "message", "actions", "created_at", "delivered_at",
                  "read_at", "read", "conversation_id"]
        read_only_fields = fields

    def get_conversation_id(self, alert) -> int | None:
        return alert.chat_message.conversation_id if alert.chat_message_id else None

    def get_read(self, alert) -> bool:
        return alert.read_at is not None


class AlertFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Alert.Category.choices)
    severity = django_filters.ChoiceFilter(choices=Alert.Severity.choices)
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull",
                                          help_text="true: only alerts not yet acknowledged.")

    class Meta:
        model = Alert
        fields = ["category", "severity", "unread"]


@extend_schema_view(
    list=extend_schema(summary="List alerts", description="Newest first; `unread=true` for those not yet "
                       "acknowledged."),
    retrieve=extend_schema(summary="One alert"),
    acknowledge=extend_schema(summary="Acknowledge an alert", request=None,
                              description="It is not sent to the user's sockets again."),
)
class AlertViewSet(OwnedRows, viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    ordering_fields = ["created_at", "severity"]
    ordering = ["-created_at", "-id"]

    def user_rows(self, user):
        return Alert.objects.filter(user=user).select_related("chat_message")

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        with service_errors():
            alert = services.alert_acknowledge(user=request.user, alert_id=self.get_object().id)
        return Response(AlertSerializer(alert).data)


WALL_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


@extend_schema_field({"type": "string", "pattern": WALL_CLOCK, "example": "22:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the user's timezone, "22:00" or "22:00:00". One with an offset
    ("22:00+05:00") is refused: Django would drop the offset and keep the wrong hour."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not re.fullmatch(WALL_CLOCK, value.strip()):
            raise ValidationError("Give a local time as HH:MM (like 22:00), without an offset.")
        return super().to_internal_value(value)


class ProfileSerializer(ModelSerializer):
    serializer_field_mapping = {**ModelSerializer.serializer_field_mapping, models.TimeField: LocalTimeField}
    alert_opt_outs = serializers.ListField(child=serializers.ChoiceField(choices=Alert.Category.choices),
                                           required=False, help_text="Alert categories the user does not want.")

    class Meta:
        model = Profile
        fields = list(services.PROFILE_FIELDS)
        extra_kwargs = {
            "quiet_hours_start": {"help_text": "Local time (HH:MM) from which non-urgent alerts wait."},
            "quiet_hours_end": {"help_text": "Local time (HH:MM) when the held alerts are sent."},
        }

    def validate(self, attrs):
        start = attrs.get("quiet_hours_start", getattr(self.instance, "quiet_hours_start", None))
        end = attrs.get("quiet_hours_end", getattr(self.instance, "quiet_hours_end", None))
        if (start is None) != (end is None):
            raise ValidationError({"quiet_hours_end": ["Give quiet hours a start and an end, or neither."]})
        return attrs


class ProfileView(APIView):
    """The signed-in user's profile: GET it, PATCH any of its fields."""

    serializer_class = ProfileSerializer

    @extend_schema(summary="Your profile")
    def get(self, request):
        return Response(ProfileSerializer(services.profile_get_or_create(user=request.user)).data)

    @extend_schema(summary="Change your profile", description="Timezone, currency, units, quiet hours "
                   "(non-urgent alerts wait until they end) and the alert categories you opt out of.")
    def patch(self, request):
        serializer = ProfileSerializer(services.profile_get_or_create(user=request.user), data=request.data,
                                       partial=True)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            profile = services.profile_update(user=request.user, **serializer.validated_data)
        return Response(ProfileSerializer(profile).data)


router = SimpleRouter()
router.register("calendar-events", CalendarEventViewSet, basename="calendar-event")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = [path("profile/", ProfileView.as_view(), name="profile"), *router.urls]
