"""The travel services the API added: changing and deleting tracked maintenance, deleting a job
record, and changing or moving a trip stop. On the real PostgreSQL; bob reaches none of alice's."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.models import Expense
from travel import services
from travel.models import MaintenanceItem, MaintenanceRecord, TripStop

pytestmark = pytest.mark.django_db


@pytest.fixture
def minnie(alice):
    return services.vehicle_create(user=alice, name="Minnie", odometer_miles=45_000)


@pytest.fixture
def oil(alice, minnie):
    return services.maintenance_item_create(user=alice, task="Oil change", interval_miles=5000,
                                            last_done_odometer=40_000, last_done_on=datetime.date(2026, 1, 5))


def stop(name, latitude=39.0, longitude=-105.0):
    return {"name": name, "latitude": latitude, "longitude": longitude}


class TestMaintenanceItemUpdate:
    def test_it_changes_the_fields_given_and_returns_the_old_values(self, alice, oil):
        item, previous = services.maintenance_item_update(user=alice, item_id=oil.id, interval_days=180,
                                                          notes=" synthetic ")
        assert (item.interval_days, item.notes, item.interval_miles) == (180, "synthetic", 5000)
        assert previous == {"interval_days": None, "notes": ""}

    def test_it_keeps_at_least_one_interval(self, alice, oil):
        with pytest.raises(ValidationError) as raised:
            services.maintenance_item_update(user=alice, item_id=oil.id, interval_miles=None)
        assert set(raised.value.message_dict) == {"interval_miles"}
        oil.refresh_from_db()
        assert oil.interval_miles == 5000

    def test_it_refuses_a_task_the_vehicle_already_tracks(self, alice, minnie, oil):
        tires = services.maintenance_item_create(user=alice, task="Tire rotation", interval_miles=6000)
        with pytest.raises(ValidationError) as raised:
            services.maintenance_item_update(user=alice, item_id=tires.id, task="OIL CHANGE")
        assert set(raised.value.message_dict) == {"task"}

    def test_it_refuses_an_unknown_field(self, alice, oil):
        with pytest.raises(TypeError):
            services.maintenance_item_update(user=alice, item_id=oil.id, vehicle_id=1)

    def test_bob_cannot_change_or_delete_alices_item(self, bob, oil):
        with pytest.raises(MaintenanceItem.DoesNotExist):
            services.maintenance_item_update(user=bob, item_id=oil.id, notes="mine")
        with pytest.raises(MaintenanceItem.DoesNotExist):
            services.maintenance_item_delete(user=bob, item_id=oil.id)
        assert MaintenanceItem.objects.filter(id=oil.id, notes="").exists()


class TestMaintenanceItemDelete:
    def test_the_records_stay(self, alice, oil):
        record = services.maintenance_record_create(user=alice, task="Oil change", date=datetime.date(2026, 6, 1))
        services.maintenance_item_delete(user=alice, item_id=oil.id)
        record.refresh_from_db()
        assert record.item is None and not MaintenanceItem.objects.exists()


class TestMaintenanceRecordDelete:
    def test_it_deletes_the_expense_and_the_item_goes_back_to_its_latest_remaining_record(self, alice, oil):
        june = services.maintenance_record_create(user=alice, task="Oil change", date=datetime.date(2026, 6, 1),
                                                  odometer_miles=43_000, cost=Decimal("80"))
        november = services.maintenance_record_create(user=alice, task="Oil change", date=datetime.date(2026, 11, 2),
                                                      odometer_miles=45_100, cost=Decimal("90"))
        services.maintenance_record_delete(user=alice, record_id=november.id)
        oil.refresh_from_db()
        assert (oil.last_done_on, oil.last_done_odometer) == (datetime.date(2026, 6, 1), 43_000)
        assert list(Expense.objects.values_list("amount", flat=True)) == [Decimal("80.00")]

        services.maintenance_record_delete(user=alice, record_id=june.id)
        oil.refresh_from_db()  # nothing left to go back to: the item keeps what it had
        assert (oil.last_done_on, oil.last_done_odometer) == (datetime.date(2026, 6, 1), 43_000)
        assert not Expense.objects.exists() and not MaintenanceRecord.objects.exists()

    def test_deleting_an_older_record_leaves_the_item_alone(self, alice, oil):
        june = services.maintenance_record_create(user=alice, task="Oil change", date=datetime.date(2026, 6, 1),
                                                  odometer_miles=43_000)
        services.maintenance_record_create(user=alice, task="Oil change", date=datetime.date(2026, 11, 2),
                                           odometer_miles=45_100)
        services.maintenance_record_delete(user=alice, record_id=june.id)
        oil.refresh_from_db()
        assert (oil.last_done_on, oil.last_done_odometer) == (datetime.date(2026, 11, 2), 45_100)

    def test_bob_cannot_delete_alices_record(self, alice, bob, oil):
        record = services.maintenance_record_create(user=alice, task="Oil change", date=datetime.date(2026, 6, 1),
                                                    cost=Decimal("80"))
        with pytest.raises(MaintenanceRecord.DoesNotExist):
            services.maintenance_record_delete(user=bob, record_id=record.id)
        assert MaintenanceRecord.objects.filter(id=record.id).exists() and Expense.objects.count() == 1


class TestTripStopUpdate:
    @pytest.fixture
    def trip(self, alice):
        return services.trip_create(user=alice, title="Loop", stops=[stop(name) for name in "ABCDE"])

    def names(self, trip):
        return "".join(trip.stops.order_by("position").values_list("name", flat=True))

    @pytest.mark.parametrize(("name", "position", "order"), [
        ("D", 1, "ADBCE"), ("B", 3, "ACDBE"), ("A", 4, "BCDEA"), ("E", 0, "EABCD"), ("C", 2, "ABCDE"),
        ("B", 99, "ACDEB"),  # past the end: last
    ])
    def test_it_moves_a_stop_and_shifts_the_ones_between(self, alice, trip, name, position, order):
        moving = trip.stops.get(name=name)
        moved, previous = services.trip_stop_update(user=alice, stop_id=moving.id, position=position)
        assert self.names(trip) == order
        assert moved.position == order.index(name)
        assert sorted(trip.stops.values_list("position", flat=True)) == [0, 1, 2, 3, 4]
        assert previous == ({} if order == "ABCDE" else {"position": "ABCDE".index(name)})

    def test_it_changes_fields_and_validates_them(self, alice, trip):
        b = trip.stops.get(name="B")
        changed, previous = services.trip_stop_update(user=alice, stop_id=b.id, name=" Bluff ", kind="overnight")
        assert (changed.name, changed.kind, previous) == ("Bluff", "overnight", {"name": "B", "kind": "other"})
        with pytest.raises(ValidationError) as raised:
            services.trip_stop_update(user=alice, stop_id=b.id, latitude=120, position=0)
        assert set(raised.value.message_dict) == {"latitude"}
        assert self.names(trip) == "ABluffCDE"

    def test_bob_cannot_change_alices_stop(self, bob, trip):
        with pytest.raises(TripStop.DoesNotExist):
            services.trip_stop_update(user=bob, stop_id=trip.stops.get(name="B").id, position=0)
        assert self.names(trip) == "ABCDE"
