"""Request rate limits for the API, with rates from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.

DRF's own throttles copy the rates when ``rest_framework.throttling`` is imported; these read them
when a request is checked, so a changed setting (``override_settings`` in a test) takes effect.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


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
