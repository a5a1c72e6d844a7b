"""Alerts reach the user live through the Redis channel layer, wait while they are away, come
back until acknowledged, respect quiet hours and opt-outs, and never reach anybody else."""

import datetime
import zoneinfo

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from assistant.models import Alert, Message, Profile
from assistant.services import alert_raise, alerts_release_held, quiet_hours_end

DENVER = zoneinfo.ZoneInfo("America/Denver")


def raise_fuel(user, severity="high", key="fuel:low:1", now=None):
    return alert_raise(user=user, category="fuel", severity=severity, title="Fuel is low",
                       message="About 18% left (95 miles). Pilot in Green River is 40 miles ahead.", dedup_key=key,
                       actions=[{"label": "Find fuel", "message": "find me fuel"}], now=now)


def set_quiet_hours(user, start, end):
    Profile.objects.filter(user=user).update(quiet_hours_start=start, quiet_hours_end=end)


def at_denver(hour, minute=0, day=datetime.date(2026, 11, 21)):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=DENVER)


@pytest.mark.django_db
class TestRaising:
    def test_the_same_condition_alerts_once(self, alice):
        assert raise_fuel(alice) is not None
        assert raise_fuel(alice) is None
        assert Alert.objects.count() == 1

    def test_it_is_said_in_the_chat_so_the_user_can_answer(self, alice):
        alert = raise_fuel(alice)
        message = Message.objects.get(id=alert.chat_message_id)
        assert (message.role, message.user_id) == ("assistant", alice.id)
        assert message.content.startswith("Fuel is low\nAbout 18% left")

    def test_an_opted_out_category_raises_nothing(self, alice):
        Profile.objects.filter(user=alice).update(alert_opt_outs=["fuel"])
        assert raise_fuel(alice) is None and not Alert.objects.exists()

    def test_quiet_hours_hold_non_urgent_alerts_until_they_end(self, alice):
        set_quiet_hours(alice, datetime.time(22), datetime.time(7))
        held = raise_fuel(alice, now=at_denver(23, 30))
        assert held.hold_until == at_denver(7, day=datetime.date(2026, 11, 22))
        urgent = raise_fuel(alice, severity="urgent", key="fuel:low:2", now=at_denver(23, 30))
        assert urgent.hold_until is None
        daytime = raise_fuel(alice, key="fuel:low:3", now=at_denver(12))
        assert daytime.hold_until is None

    def test_quiet_hours_are_the_users_own_clock(self, alice):
        profile = Profile.objects.get(user=alice)
        profile.quiet_hours_start, profile.quiet_hours_end = datetime.time(22), datetime.time(7)
        six_am_denver = at_denver(6)
        assert quiet_hours_end(profile, six_am_denver) == at_denver(7)
        assert quiet_hours_end(profile, at_denver(7)) is None
        profile.timezone = "Europe/Berlin"  # 6 am in Denver is 2 pm in Berlin
        assert quiet_hours_end(profile, six_am_denver) is None


@pytest.mark.django_db(transaction=True)
class TestDelivery:
    async def test_an_open_socket_gets_the_alert_and_bob_gets_nothing(self, socket_for, alice, bob):
        alices = await socket_for(alice)
        alices_other_tab = await socket_for(alice)
        bobs = await socket_for(bob)
        alert = await database_sync_to_async(raise_fuel)(alice)
        for socket in (alices, alices_other_tab):
            frame = await socket.receive_json_from(timeout=5)
            assert frame["type"] == "proactive_alert" and frame["alert"]["id"] == alert.id
            assert frame["alert"]["actions"] == [{"label": "Find fuel", "message": "find me fuel"}]
        assert await bobs.receive_nothing(timeout=0.5)
        await database_sync_to_async(alert.refresh_from_db)()
        assert alert.delivered_at is not None

    async def test_an_alert_waits_for_the_next_connect_and_returns_until_acknowledged(self, socket_for, alice, bob):
        alert = await database_sync_to_async(raise_fuel)(alice)
        first = await socket_for(alice)
        assert (await first.receive_json_from(timeout=5))["alert"]["id"] == alert.id
        await first.disconnect()

        again = await socket_for(alice)
        assert (await again.receive_json_from(timeout=5))["alert"]["id"] == alert.id

        bobs = await socket_for(bob)
        await bobs.send_json_to({"type": "alert_ack", "alert_id": alert.id})
        assert (await bobs.receive_json_from(timeout=5))["error_code"] == "NOT_FOUND"

        await again.send_json_to({"type": "alert_ack", "alert_id": alert.id})
        assert await again.receive_json_from(timeout=5) == {"type": "alert_acknowledged", "alert_id": alert.id}
        await again.disconnect()
        after = await socket_for(alice)
        assert await after.receive_nothing(timeout=0.5)

    async def test_a_held_alert_is_released_when_quiet_hours_end(self, socket_for, alice):
        local_now = timezone.now().astimezone(DENVER)  # quiet hours around now, wrapping midnight or not
        start = (local_now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
        end = (local_now + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
        await database_sync_to_async(set_quiet_hours)(alice, start, end)
        alert = await database_sync_to_async(raise_fuel)(alice)
        assert alert.hold_until is not None
        socket = await socket_for(alice)
        assert await socket.receive_nothing(timeout=0.5), "held during quiet hours"
        released = await database_sync_to_async(alerts_release_held)(now=alert.hold_until)
        assert released == 1
        assert (await socket.receive_json_from(timeout=5))["alert"]["id"] == alert.id


@pytest.mark.django_db
class TestAlertsApi:
    def test_alice_lists_filters_and_acknowledges_her_alerts_and_bob_reaches_none(self, as_alice, as_bob, alice):
        alert = raise_fuel(alice)
        alert_raise(user=alice, category="budget", severity="urgent", title="Dining budget spent",
                    message="You have spent 96% of $300.", dedup_key="budget:dining:2026-11:urgent")
        listed = as_alice.get("/api/v1/alerts/", {"unread": "true", "category": "fuel"}).json()
        assert [a["id"] for a in listed["results"]] == [alert.id]
        assert listed["results"][0]["conversation_id"] is not None

        assert as_bob.get("/api/v1/alerts/").json()["count"] == 0
        assert as_bob.get(f"/api/v1/alerts/{alert.id}/").status_code == 404
        assert as_bob.post(f"/api/v1/alerts/{alert.id}/acknowledge/").status_code == 404

        response = as_alice.post(f"/api/v1/alerts/{alert.id}/acknowledge/")
        assert response.status_code == 200 and response.json()["read"] is True
        assert [a["category"] for a in as_alice.get("/api/v1/alerts/", {"unread": "true"}).json()["results"]] == [
            "budget"]

    def test_staff_see_alerts_in_admin(self, client, django_user_model, alice):
        raise_fuel(alice)
        client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "root-pass-123"))
        response = client.get("/admin/assistant/alert/?read_at__isnull=True")
        assert response.status_code == 200 and "Fuel is low" in response.content.decode()
