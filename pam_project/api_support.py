"""What every app's REST API (/api/v1/) shares: owner-scoped viewsets, service errors as 400s
naming the field, the user's local today and timezone, page numbers, rate limits and ordering.

The pagination, throttle and ordering classes are named in ``REST_FRAMEWORK`` (settings.py).
"""

import datetime
import zoneinfo
from contextlib import contextmanager

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import parsers, serializers, throttling
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework_simplejwt import authentication as jwt_authentication

from assistant.context import profile_zone, user_context
from pam_project import ratelimit, rls
from pam_project.storable import find_unstorable


class JWTAuthentication(jwt_authentication.JWTAuthentication):
    """simplejwt's bearer-token authentication (signature, expiry and token type verified) that
    also gives the request its user's row level security scope (``pam_project.rls``): the
    session's user got theirs in ScopeMiddleware, a token's user is known only here."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            rls.enter(result[0])  # ScopeMiddleware restores the request's scope after the response
        return result


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of ``JWTAuthentication`` (drf-spectacular's simplejwt one)."""

    target_class = "pam_project.api_support.JWTAuthentication"


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
    """Validated query parameters, or a 400 naming the bad ones. Read as plain values (the last of
    a repeated one): DRF would take an empty one (``?start=``) from a QueryDict as left out."""
    query = serializer_class(data=request.query_params.dict(), context={"request": request, **context})
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


def _json_type_problem(field: serializers.Field, value) -> str | None:
    """Why ``value`` (parsed JSON) is the wrong type for ``field``, or None. DRF would coerce it
    (0 → "0", 1 → true, 45.2 → "45.20"); the schema (drf-spectacular) promises the type."""
    if value is None or field.read_only:
        return None  # null is the field's own allow_null rule
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Must be a whole number."
    if isinstance(field, serializers.FloatField):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "Must be a number."
    if isinstance(field, serializers.DecimalField):  # money and measures: exact, so never a JSON float
        return None if isinstance(value, str) else 'Must be a string, like "45.20".'
    if isinstance(field, serializers.CharField | serializers.ChoiceField | serializers.DateField
                  | serializers.DateTimeField | serializers.TimeField):
        return None if isinstance(value, str) else "Must be a string."
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Must be a list."
        problems = [_json_type_problem(field.child, item) for item in value]
        return next((f"Item {index + 1}: {problem}" for index, problem in enumerate(problems) if problem), None)
    return None


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer for request bodies, strict about JSON types: a value of the wrong
    type is a 400 naming the field (``{"notes": ["Must be a string."]}``), never coerced."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            problems = {}
            for name, field in self.fields.items():
                problem = _json_type_problem(field, data[name]) if name in data else None
                if problem:
                    problems[name] = [problem]
            if problems:
                raise ValidationError(problems)
        return super().to_internal_value(data)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing text PostgreSQL cannot store (a NUL character, an unpaired
    surrogate: pam_project.storable) with a 400 naming where it is, before any view sees it."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if problem := find_unstorable(data):
            raise ParseError(f"JSON parse error - {problem}")
        return data


class PagePagination(PageNumberPagination):
    """``?page=2&page_size=100``: ``{"count", "next", "previous", "results"}``; 50 rows a page
    unless ``page_size`` asks for another number (at most 200). A page past the end is a 404; a
    page or page size that is not a whole number from 1 is a 400."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """DRF falls back to the default for a ``page_size`` it cannot read; PAM says so (a 400)."""
        if not _is_counting_number(request.query_params.get(self.page_size_query_param, "1")):
            raise ValidationError({self.page_size_query_param: [
                f"Give a whole number of rows from 1 to {self.max_page_size}."]})
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        """DRF reads an empty ``page`` as the first; PAM asks for a number (a 400)."""
        page = request.query_params.get(self.page_query_param, "1")
        if not _is_counting_number(page):
            raise ValidationError({self.page_query_param: ["Give a page number from 1."]})
        return page


def _is_counting_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) >= 1


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, except that what it would silently ignore is a 400 naming the
    parameter: an empty value (``?start=``) for anything but a text filter, and a yes/no filter
    that is neither ``true`` nor ``false`` (``?unread=maybe``)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        problems = {}
        for name, query_filter in (filterset.filters.items() if filterset is not None else ()):
            value = request.query_params.get(name)
            if value is None or type(query_filter) is django_filters.CharFilter:
                continue
            if not value.strip():
                problems[name] = ["Give a value, or leave the parameter out."]
            elif isinstance(query_filter, django_filters.BooleanFilter) and value.lower() not in ("true", "false"):
                problems[name] = ["Give true or false."]
        if problems:
            raise ValidationError(problems)
        return super().filter_queryset(request, queryset, view)


class StableOrderingFilter(OrderingFilter):
    """``?ordering=amount`` / ``-date``; ties are broken by id, so pages never repeat or skip a row."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not any(field.lstrip("-") == "id" for field in ordering):
            ordering = [*ordering, "-id"]
        return ordering


# Rate limits, with rates from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. DRF's own throttles copy
# the rates when rest_framework.throttling is imported; these read them when a request is checked,
# so a changed setting (override_settings in a test) takes effect. They count in the shared token
# buckets (pam_project.ratelimit), not in DRF's cache history: "600/min" is a burst of 600 refilled
# at 10 a second, and the limits hold (per process) while Redis is down.


class _CurrentRates:
    def get_rate(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()


class _TokenBucket(throttling.SimpleRateThrottle):
    retry_after = None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.retry_after = ratelimit.take(f"pam:rl:api:{self.key}", capacity=self.num_requests,
                                          per_seconds=self.duration)
        return self.retry_after is None

    def wait(self):
        return self.retry_after


class AnonRateThrottle(_CurrentRates, throttling.AnonRateThrottle, _TokenBucket):
    """Requests without credentials, per client IP: rate ``anon`` (PAM_API_ANON_RATE)."""


class UserRateThrottle(_CurrentRates, throttling.UserRateThrottle, _TokenBucket):
    """Requests of a signed-in user: rate ``user`` (PAM_API_USER_RATE)."""


class ScopedRateThrottle(_CurrentRates, throttling.ScopedRateThrottle, _TokenBucket):
    """Requests to a view with ``throttle_scope``: that scope's rate (``auth_token``: PAM_API_TOKEN_RATE)."""
