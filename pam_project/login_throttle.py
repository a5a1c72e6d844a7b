"""Sign-in throttling with django-axes, for the login page and the API's token endpoint.

A failed sign-in is counted against the username typed (normalised: NFKC, trimmed, case-folded)
and against the client's IP (the API's rule, ``pam_project.ratelimit.client_ip``), each in its
own tally (``AXES_LOCKOUT_PARAMETERS``); a tally forgets its failures once PAM_LOGIN_LOCKOUT_MINUTES
pass without one. The failure that brings either tally to PAM_LOGIN_FAILURE_LIMIT, and every
sign-in for that username or from that address after it, is refused until PAM_LOGIN_LOCKOUT_MINUTES
after the last try (a refused try counts, so trying on keeps it locked). The refusal is the same
whether or not the account exists, and whether or not the password was right: "Too many sign-in
attempts. Try again in N minutes." (HTTP 429 with Retry-After), so it tells nobody which usernames
are real. Failures are rows in axes' AccessAttempt table (staff can clear them in admin);
successful sign-ins are not logged.
"""

import unicodedata

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response

from pam_project import ratelimit


def lockout_message() -> str:
    minutes = settings.PAM_LOGIN_LOCKOUT_MINUTES
    return f"Too many sign-in attempts. Try again in {minutes} minute{'' if minutes == 1 else 's'}."


def retry_after_seconds() -> int:
    return settings.PAM_LOGIN_LOCKOUT_MINUTES * 60


def attempted_username(request, credentials: dict | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the username tried, normalised so "Alice " and "alice" share a
    tally; None when none was sent."""
    username = (credentials or {}).get("username")
    if username is None:
        data = getattr(request, "data", None) or request.POST
        username = data.get("username")
    if not isinstance(username, str):
        return None
    return unicodedata.normalize("NFKC", username).strip().casefold()[:255]


def client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the client's address, by the same rule as the API's throttles
    (None when unknown: a sign-in from code, like the test client's)."""
    return ratelimit.client_ip(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE`` (AxesMiddleware calls it for a refused sign-in): the login page
    again with the lockout message, or the bare message for another sign-in form (admin). HTTP
    429 with Retry-After. (The API's token view answers its own refusals: DRF's request is not
    the one the middleware sees.)"""
    message = lockout_message()
    if request.path == reverse("login"):
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            next_url = ""
        form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
        response = render(request, "registration/login.html",
                          {"form": form, "next": next_url, "lockout_message": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after_seconds())
    return response


class TokenLockout:
    """For simplejwt's TokenObtainPairView: a sign-in refused by the lockout answers 429 with the
    lockout message and Retry-After, instead of simplejwt's 401 for wrong credentials."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            # Set by axes on the request it was given, which is DRF's, not the middleware's.
            if getattr(request, "axes_locked_out", False):
                return Response({"detail": lockout_message()}, status=429,
                                headers={"Retry-After": str(retry_after_seconds())})
            raise
