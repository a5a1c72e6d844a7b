"""Fakes of the travel app's web services, with PAM's settings pointed at them (the fake
Open-Meteo, which the weather monitor asks too, is in tests/conftest.py)."""

import pytest


@pytest.fixture
def fake_geocoder(settings):
    """A fake Nominatim, with PAM_GEOCODER_URL pointing at it."""
    from tests.fakes.nominatim_server import FakeNominatim

    fake = FakeNominatim().start()
    settings.PAM_GEOCODER_URL = fake.url
    settings.PAM_GEOCODER_TIMEOUT = 2.0
    yield fake
    fake.stop()


@pytest.fixture
def fake_router(settings):
    """A fake OSRM router, with PAM_ROUTER_URL pointing at it."""
    from tests.fakes.osrm_server import FakeOSRM

    fake = FakeOSRM().start()
    settings.PAM_ROUTER_URL = fake.url
    settings.PAM_ROUTER_TIMEOUT = 2.0
    yield fake
    fake.stop()
