"""A user tells PAM how to warn them ("stop sending me weather alerts", "quiet hours from 10pm to
7am") in the chat, with the offline provider, and the alerts that follow obey."""

import datetime
import zoneinfo

import pytest

from assistant.models import Alert, Profile
from assistant.services import alert_raise
from tests.assistant.local_turns import chat, tools_called

pytestmark = pytest.mark.django_db(transaction=True)

DENVER = zoneinfo.ZoneInfo("America/Denver")


def profile(user) -> Profile:
    return Profile.objects.get(user=user)


def storm_alert(user, key="weather:1", now=None):
    return alert_raise(user=user, category="weather", severity="high", title="Storm at Moab",
                       message="Thunderstorm with 50 mph gusts on Sat.", dedup_key=key, now=now)


def test_muting_weather_alerts_stops_them_and_unmuting_brings_them_back(alice):
    state = chat(alice, "stop sending me weather alerts")
    assert tools_called(state) == ["set_alert_preferences"]
    assert "no more weather alerts" in state.text
    assert profile(alice).alert_opt_outs == ["weather"]
    assert storm_alert(alice) is None

    state = chat(alice, "turn weather alerts back on")
    assert "weather alerts again" in state.text
    assert profile(alice).alert_opt_outs == []
    assert storm_alert(alice) is not None


def test_quiet_hours_said_in_the_chat_hold_alerts_overnight(alice):
    state = chat(alice, "quiet hours from 10pm to 7am")
    assert "10 PM to 7 AM" in state.text
    assert (profile(alice).quiet_hours_start, profile(alice).quiet_hours_end) == (datetime.time(22), datetime.time(7))
    held = storm_alert(alice, now=datetime.datetime(2026, 11, 21, 23, 15, tzinfo=DENVER))
    assert held.hold_until == datetime.datetime(2026, 11, 22, 7, tzinfo=DENVER)

    state = chat(alice, "no quiet hours")
    assert "Quiet hours are off" in state.text
    assert profile(alice).quiet_hours_start is None


def test_asking_for_the_settings_changes_nothing_and_says_them(alice):
    Profile.objects.filter(user=alice).update(alert_opt_outs=["budget"], quiet_hours_start=datetime.time(21),
                                              quiet_hours_end=datetime.time(6, 30))
    state = chat(alice, "what are my alert settings?")
    assert "Quiet hours: 9 PM to 6:30 AM." in state.text
    assert "Muted: budget alerts." in state.text
    assert profile(alice).alert_opt_outs == ["budget"]


def test_a_budget_alert_threshold_is_not_an_alert_preference(alice):
    state = chat(alice, "set my dining budget alert at 90%")
    assert "set_alert_preferences" not in tools_called(state)
    assert profile(alice).alert_opt_outs == []


def test_bob_muting_his_alerts_leaves_alices_coming(alice, bob):
    chat(bob, "turn off all alerts")
    assert sorted(profile(bob).alert_opt_outs) == sorted(Alert.Category.values)
    assert profile(alice).alert_opt_outs == []
    assert storm_alert(alice) is not None and storm_alert(bob, key="weather:2") is None
