"""What every app's REST API (/api/v1/) shares: owner-scoped viewsets, service errors as 400s
naming the field, the user's local today and timezone, page numbers, rate limits and ordering.

The pagination, throttle and ordering classes are named in ``REST_FRAMEWORK`` (settings.py).
"""

import datetime
import zoneinfo
from contextlib import contextmanager

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers, throttling
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings

from assistant.context import profile_zone, user_context


def user_zone(user) -> zoneinfo.ZoneInfo:
    """The user's timezone (their profile's)."""
    return profile_zone(user_context(user)["profile"])


def local_today(user) -> datetime.date:
    """The user's date now, in their profile's timezone."""
    return timezone.now().astimezone(user_zone(user)).date()


@contextmanager
def service_errors():
    """Turn a service's ValidationError into a 400 naming the fields, and a row that vanished
    since it was looked up into a 404."""
    try:
        yield
    except DjangoValidationError as exc:
        detail = as_serializer_error(exc)
        if "__all__" in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop("__all__")
        raise ValidationError(detail) from exc
    except ObjectDoesNotExist as exc:
        raise NotFound() from exc


def query_params(serializer_class, request, **context):
    """Validated query parameters, or a 400 naming the bad ones."""
    query = serializer_class(data=request.query_params, context={"request": request, **context})
    query.is_valid(raise_exception=True)
    return query.validated_data


class OwnedRows:
    """Rows of ``request.user`` only (the view's ``user_rows(user)``); another user's id is a 404
    like a missing one."""

    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.serializer_class.Meta.model.objects.none()
        return self.user_rows(self.request.user)


class OwnedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of one of the requesting user's rows (``queryset`` narrowed to ``user=request.user``):
    another user's id is refused with the same 400 as a missing one."""

    def get_queryset(self):
        return super().get_queryset().filter(user=self.context["request"].user)


class PagePagination(PageNumberPagination):
    """``?page=2&page_size=100``: ``{"count", "next", "previous", "results"}``; 50 rows a page
    unless ``page_size`` asks for another number (at most 200). A page past the end is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class StableOrderingFilter(OrderingFilter):
    """``?ordering=amount`` / ``-date``; ties are broken by id, so pages never repeat or skip a row."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not any(field.lstrip("-") == "id" for field in ordering):
            ordering = [*ordering, "-id"]
        return ordering


# Rate limits, with rates from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. DRF's own throttles copy
# the rates when rest_framework.throttling is imported; these read them when a request is checked,
# so a changed setting (override_settings in a test) takes effect.


class _CurrentRates:
    def get_rate(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()


class AnonRateThrottle(_CurrentRates, throttling.AnonRateThrottle):
    """Requests without credentials, per client IP: rate ``anon`` (PAM_API_ANON_RATE)."""


class UserRateThrottle(_CurrentRates, throttling.UserRateThrottle):
    """Requests of a signed-in user: rate ``user`` (PAM_API_USER_RATE)."""


class ScopedRateThrottle(_CurrentRates, throttling.ScopedRateThrottle):
    """Requests to a view with ``throttle_scope``: that scope's rate (``auth_token``: PAM_API_TOKEN_RATE)."""
