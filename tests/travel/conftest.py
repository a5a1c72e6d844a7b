"""Fakes of the travel app's web services, with PAM's settings pointed at them."""

import pytest


@pytest.fixture
def fake_open_meteo(settings):
    """A fake Open-Meteo on 127.0.0.1, with OPEN_METEO_URL pointing at it (short timeout)."""
    from tests.fakes.open_meteo_server import FakeOpenMeteo

    fake = FakeOpenMeteo().start()
    settings.OPEN_METEO_URL = fake.url
    settings.PAM_WEATHER_TIMEOUT = 2.0
    yield fake
    fake.stop()


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
