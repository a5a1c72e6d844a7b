"""What the travel API reads and writes. Serializers validate and shape data only; the views hand
validated data to travel.services and pass selector results through.

US units: miles, US gallons, miles per gallon, dollars per gallon. Money and decimal quantities
are strings ("3.899"); dates are YYYY-MM-DD in the user's timezone. A vehicle named in a body
must be one of the user's: another user's id is a 400 naming the field, like a missing one.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pam_project.api_support import ModelSerializer, OwnedPrimaryKeyRelatedField
from travel.models import FuelLog, MaintenanceItem, MaintenanceRecord, SavedPlace, Trip, TripStop, Vehicle
from travel.selectors import trip_estimate

TWO_OF_THREE = "Give any two of volume_gallons, price_per_gallon and total_cost; the third is worked out."
VEHICLE_HELP = "One of your vehicles' ids; omitted: your primary vehicle (or your only one)."


def owned_vehicle(**kwargs) -> OwnedPrimaryKeyRelatedField:
    return OwnedPrimaryKeyRelatedField(queryset=Vehicle.objects.all(), **{"help_text": VEHICLE_HELP, **kwargs})


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True, **kwargs)


# --- rows ---


class VehicleSerializer(ModelSerializer):
    class Meta:
        model = Vehicle
        fields = [
            "id", "name", "make", "model", "year", "vehicle_type", "fuel_type", "tank_capacity_gallons", "rated_mpg",
            "odometer_miles", "is_primary", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "odometer_miles": {"help_text": "Miles. An odometer only goes up: a lower reading is a 400."},
            "is_primary": {"help_text": "The vehicle PAM means when none is named. Omitted on create: primary "
                           "when you have no primary vehicle yet. Making one primary demotes the other."},
        }


class FuelLogSerializer(ModelSerializer):
    """A fill-up; creating one also logs a ``fuel`` expense (``expense``)."""

    vehicle = owned_vehicle(required=False)

    class Meta:
        model = FuelLog
        fields = [
            "id", "vehicle", "date", "odometer_miles", "volume_gallons", "price_per_gallon", "total_cost", "is_full",
            "missed_previous", "station", "notes", "expense", "created_at",
        ]
        read_only_fields = ["expense", "created_at"]
        extra_kwargs = {
            "date": {"required": False, "help_text": "YYYY-MM-DD; omitted: your local today."},
            "odometer_miles": {"help_text": "The odometer at the pump (miles); a higher reading raises the "
                               "vehicle's."},
            "volume_gallons": {"required": False, "help_text": f"US gallons. {TWO_OF_THREE}"},
            "price_per_gallon": {"required": False, "help_text": f"Dollars per gallon. {TWO_OF_THREE}"},
            "total_cost": {"required": False, "help_text": f"What the fill-up cost. {TWO_OF_THREE}"},
            "expense": {"help_text": "The fuel expense logged with the fill-up (expenses/{id}/)."},
        }


class FuelEconomySegmentSerializer(serializers.Serializer):
    start_odometer = serializers.IntegerField()
    end_odometer = serializers.IntegerField()
    miles = serializers.IntegerField()
    gallons = serializers.FloatField()
    mpg = serializers.FloatField()
    end_date = serializers.DateField()


class FuelEconomyQuerySerializer(serializers.Serializer):
    recent = serializers.IntegerField(default=5, min_value=1, max_value=100,
                                      help_text="How many of the latest segments to give (default 5).")


class FuelEconomySerializer(serializers.Serializer):
    vehicle = VehicleSerializer()
    average_mpg = serializers.FloatField(allow_null=True, help_text="All measured miles ÷ their gallons; null "
                                         "before two full fills.")
    last_mpg = serializers.FloatField(allow_null=True, help_text="The latest measured segment's MPG.")
    rated_mpg = serializers.FloatField(allow_null=True)
    segments = FuelEconomySegmentSerializer(many=True, help_text="The latest `recent` segments between full "
                                            "fills, oldest first.")
    fill_ups = serializers.IntegerField()
    total_cost = money(help_text="Spent on every fill-up logged.")
    cost_per_mile = money(help_text="Fuel cost of the measured miles ÷ those miles.")
    last_price_per_gallon = serializers.FloatField(allow_null=True)


class MaintenanceItemSerializer(ModelSerializer):
    """A recurring job, due at whichever of its intervals comes first."""

    vehicle = owned_vehicle(required=False)

    class Meta:
        model = MaintenanceItem
        fields = [
            "id", "vehicle", "task", "interval_miles", "interval_days", "last_done_odometer", "last_done_on",
            "notes", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # one task per vehicle (any case) is the service's rule: a 400 naming task
        extra_kwargs = {
            "interval_miles": {"help_text": "Every this many miles. Give interval_miles, interval_days or both."},
            "interval_days": {"help_text": "Every this many days."},
            "last_done_odometer": {"help_text": "Odometer (miles) when last done; recording the job moves it."},
            "last_done_on": {"help_text": "YYYY-MM-DD when last done; recording the job moves it."},
        }

    def validate_vehicle(self, value):
        if self.instance is not None and value != self.instance.vehicle:
            raise serializers.ValidationError("A tracked job stays on its vehicle: track it on the other one.")
        return value


class MaintenanceDueSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The maintenance item.")
    task = serializers.CharField()
    vehicle = serializers.IntegerField()
    vehicle_name = serializers.CharField()
    interval_miles = serializers.IntegerField(allow_null=True)
    interval_days = serializers.IntegerField(allow_null=True)
    last_done_odometer = serializers.IntegerField(allow_null=True)
    last_done_on = serializers.DateField(allow_null=True)
    due_odometer = serializers.IntegerField(allow_null=True, help_text="Due at this odometer reading (miles).")
    due_on = serializers.DateField(allow_null=True, help_text="Due on this day.")
    miles_left = serializers.IntegerField(allow_null=True, help_text="Negative when past.")
    days_left = serializers.IntegerField(allow_null=True, help_text="Negative when past.")
    state = serializers.ChoiceField(
        choices=["overdue", "due_soon", "ok"],
        help_text="overdue: past either interval; due_soon: within the due-soon window of either "
        "(PAM_MAINTENANCE_DUE_SOON_MILES, _DAYS); a job never done is due now.",
    )


class MaintenanceDueQuerySerializer(serializers.Serializer):
    vehicle = owned_vehicle(required=False, help_text="Only this vehicle's jobs (one of your vehicles' ids).")


class MaintenanceRecordSerializer(ModelSerializer):
    """A job done; with a cost it also logs a ``maintenance`` expense (``expense``)."""

    vehicle = owned_vehicle(required=False)

    class Meta:
        model = MaintenanceRecord
        fields = [
            "id", "vehicle", "item", "task", "date", "odometer_miles", "cost", "shop", "notes", "expense",
            "created_at",
        ]
        read_only_fields = ["item", "expense", "created_at"]
        extra_kwargs = {
            "task": {"help_text": "A task the vehicle tracks (any case) also resets that item's interval."},
            "date": {"required": False, "help_text": "YYYY-MM-DD; omitted: your local today."},
            "item": {"help_text": "The tracked job this record reset, if any."},
            "expense": {"help_text": "The maintenance expense logged for the cost (expenses/{id}/)."},
        }


class TripStopSerializer(ModelSerializer):
    class Meta:
        model = TripStop
        fields = ["id", "position", "name", "latitude", "longitude", "kind", "arrive_on", "depart_on",
                  "price_per_night", "notes"]
        read_only_fields = ["position"]
        validators = []
        extra_kwargs = {
            "position": {"help_text": "0-based order in the trip; 0 is where it starts."},
            "price_per_night": {"help_text": "Counted for each night between arrive_on and depart_on."},
        }

    def validate(self, attrs):
        arrive = attrs.get("arrive_on", getattr(self.instance, "arrive_on", None))
        depart = attrs.get("depart_on", getattr(self.instance, "depart_on", None))
        if arrive and depart and depart < arrive:
            raise serializers.ValidationError({"depart_on": "Must be on or after arrive_on."})
        return attrs


class TripStopWriteSerializer(TripStopSerializer):
    """A stop added to or changed in a trip; ``position`` places or moves it."""

    position = serializers.IntegerField(
        min_value=0, max_value=1000, required=False,
        help_text="0-based place in the trip; the stops after it move down one. Omitted on add: at the end.",
    )


class TripEstimateSerializer(serializers.Serializer):
    distance_miles = serializers.FloatField()
    driving_hours = serializers.FloatField()
    driving_days = serializers.IntegerField(help_text="At an RV's pace (PAM_RV_AVERAGE_MPH, "
                                            "PAM_RV_MAX_DRIVING_HOURS_PER_DAY).")
    distance_source = serializers.CharField(help_text="Where the distance came from: the router, or an estimate "
                                            "(great-circle × road factor).")
    mpg = serializers.FloatField(allow_null=True)
    mpg_source = serializers.ChoiceField(choices=["measured", "rated", "unknown"])
    fuel_gallons = serializers.FloatField(allow_null=True, help_text="null when the MPG is unknown.")
    fuel_price = serializers.FloatField(help_text="Dollars per gallon.")
    fuel_price_source = serializers.ChoiceField(choices=["last fill-up", "default"])
    fuel_cost = money()
    nights = serializers.IntegerField()
    campground_cost = money()
    total_cost = money(help_text="fuel_cost + campground_cost")
    budget = money()
    over_budget = money(help_text="How far total_cost is over budget; null when within it.")


class TripSerializer(ModelSerializer):
    """A trip with its stops in order. Stops are given on create; afterwards add them with POST
    trips/{id}/stops/ and change or remove them at trip-stops/{id}/."""

    vehicle = owned_vehicle(required=False, allow_null=True,
                            help_text="The vehicle for estimates; omitted: your primary vehicle.")
    stops = TripStopSerializer(many=True, required=False, help_text="In order; the first is where it starts.")

    class Meta:
        model = Trip
        fields = ["id", "title", "status", "vehicle", "start_date", "end_date", "budget", "notes", "stops",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_stops(self, value):
        if self.instance is not None:
            raise serializers.ValidationError(
                "Stops are changed one at a time: POST trips/{id}/stops/, PATCH or DELETE trip-stops/{id}/.")
        return value


class TripDetailSerializer(TripSerializer):
    estimate = serializers.SerializerMethodField(
        help_text="Distance, driving time and cost (fuel + campground nights); in one trip's answers, not in lists.")

    class Meta(TripSerializer.Meta):
        fields = [*TripSerializer.Meta.fields, "estimate"]

    @extend_schema_field(TripEstimateSerializer)
    def get_estimate(self, trip) -> dict:
        return trip_estimate(trip)


class SavedPlaceSerializer(ModelSerializer):
    amenities = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=30, required=False,
        help_text="e.g. [\"full hookups\", \"wifi\"]; stored lower-case without repeats.",
    )
    distance_miles = serializers.SerializerMethodField(help_text="Great-circle miles from ?near=; null without it.")

    class Meta:
        model = SavedPlace
        fields = ["id", "name", "latitude", "longitude", "kind", "rating", "notes", "amenities", "price_per_night",
                  "distance_miles", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"rating": {"help_text": "1 to 5 stars."}}

    def get_distance_miles(self, place) -> float | None:
        return getattr(place, "distance_miles", None)
