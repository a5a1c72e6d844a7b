"""/api/v1/profile/: a user sets how PAM warns them (quiet hours, categories they opt out of),
and the monitors honour it."""

import datetime
import zoneinfo

import pytest

from assistant.models import Alert, Profile
from assistant.services import alert_raise

pytestmark = pytest.mark.django_db


def test_alice_reads_her_own_profile(as_alice, as_bob):
    assert as_alice.get("/api/v1/profile/").json()["timezone"] == "America/Denver"
    assert as_bob.get("/api/v1/profile/").json()["timezone"] == "America/New_York"


def test_quiet_hours_and_opt_outs_set_through_the_api_shape_her_alerts(alice, as_alice):
    answer = as_alice.patch("/api/v1/profile/", {"quiet_hours_start": "22:00", "quiet_hours_end": "07:00",
                                                  "alert_opt_outs": ["weather", "weather"]}, format="json")
    assert answer.status_code == 200
    assert answer.json()["alert_opt_outs"] == ["weather"]
    late = datetime.datetime(2026, 11, 21, 23, 30, tzinfo=zoneinfo.ZoneInfo("America/Denver"))
    held = alert_raise(user=alice, category="fuel", severity="high", title="Fuel is getting low", message="18% left.",
                       dedup_key="fuel:1", now=late)
    assert held.hold_until == datetime.datetime(2026, 11, 22, 7, tzinfo=zoneinfo.ZoneInfo("America/Denver"))
    assert alert_raise(user=alice, category="weather", severity="high", title="Storm", message="Wind.",
                       dedup_key="weather:1", now=late) is None
    assert list(Alert.objects.values_list("category", flat=True)) == ["fuel"]


@pytest.mark.parametrize(("change", "field"), [
    ({"alert_opt_outs": ["rain"]}, "alert_opt_outs"),
    ({"timezone": "Mars/Base"}, "timezone"),
    ({"quiet_hours_start": "22:00"}, "quiet_hours_end"),  # a start without an end
    ({"currency": "XYZ"}, "currency"),
])
def test_a_bad_value_is_a_400_naming_the_field_and_changes_nothing(alice, as_alice, change, field):
    answer = as_alice.patch("/api/v1/profile/", change, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    profile = Profile.objects.get(user=alice)
    assert (profile.timezone, profile.alert_opt_outs, profile.quiet_hours_start) == ("America/Denver", [], None)


def test_bob_changing_his_profile_leaves_alices_alone(alice, as_bob):
    assert as_bob.patch("/api/v1/profile/", {"alert_opt_outs": ["budget"]}, format="json").status_code == 200
    assert Profile.objects.get(user=alice).alert_opt_outs == []


def test_the_profile_needs_a_signed_in_user(api):
    assert api.get("/api/v1/profile/").status_code == 401
