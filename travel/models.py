"""The road side of RV life: vehicles, fill-ups, maintenance, trips and saved places.

Quantities are stored in US units — miles, US gallons, miles per gallon, dollars per gallon — and
shown in the user's units (Profile.units); ``travel.units`` converts. Money is in the user's
currency, Decimal with two places (DESIGN.md).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from finance.models import money_field

POSITIVE = [MinValueValidator(Decimal("0.001"))]
LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class VehicleType(models.TextChoices):
    CLASS_A = "class_a", "Class A motorhome"
    CLASS_B = "class_b", "Class B camper van"
    CLASS_C = "class_c", "Class C motorhome"
    FIFTH_WHEEL = "fifth_wheel", "Fifth wheel"
    TRAVEL_TRAILER = "travel_trailer", "Travel trailer"
    TOW_VEHICLE = "tow_vehicle", "Tow vehicle"


class FuelType(models.TextChoices):
    GASOLINE = "gasoline", "Gasoline"
    DIESEL = "diesel", "Diesel"
    PROPANE = "propane", "Propane"
    ELECTRIC = "electric", "Electric"
    NONE = "none", "None (towed)"


class Vehicle(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vehicles")
    name = models.CharField(max_length=100, help_text="What the user calls it: 'the Winnebago'.")
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1900),
                                                                               MaxValueValidator(2100)])
    vehicle_type = models.CharField(max_length=20, choices=VehicleType.choices, default=VehicleType.CLASS_C)
    fuel_type = models.CharField(max_length=10, choices=FuelType.choices, default=FuelType.GASOLINE)
    tank_capacity_gallons = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True,
                                                validators=POSITIVE)
    rated_mpg = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, validators=POSITIVE,
                                    help_text="The maker's or the user's own figure, miles per US gallon.")
    odometer_miles = models.PositiveIntegerField(default=0)
    is_primary = models.BooleanField(default=False, help_text="The vehicle PAM means when none is named.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(is_primary=True), name="vehicle_one_primary"),
            models.CheckConstraint(condition=Q(vehicle_type__in=VehicleType.values), name="vehicle_type_valid"),
            models.CheckConstraint(condition=Q(fuel_type__in=FuelType.values), name="vehicle_fuel_type_valid"),
        ]

    def __str__(self):
        return self.name


class FuelLog(models.Model):
    """One fill-up. Economy is measured between full fills (see travel.selectors.fuel_economy)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fuel_logs")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="fuel_logs")
    date = models.DateField(help_text="The day of the fill-up, in the user's timezone.")
    odometer_miles = models.PositiveIntegerField()
    volume_gallons = models.DecimalField(max_digits=8, decimal_places=3, validators=POSITIVE)
    price_per_gallon = models.DecimalField(max_digits=7, decimal_places=3, validators=POSITIVE)
    total_cost = money_field()
    is_full = models.BooleanField(default=True, help_text="Filled to the top (economy is measured between these).")
    missed_previous = models.BooleanField(
        default=False, help_text="A fill-up before this one was not logged: economy restarts here.")
    station = models.CharField(max_length=200, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    expense = models.OneToOneField("finance.Expense", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="fuel_log", help_text="The fuel expense logged with it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-odometer_miles", "-date", "-id"]
        indexes = [models.Index(fields=["vehicle", "odometer_miles"], name="fuel_log_vehicle_odometer")]
        constraints = [
            models.CheckConstraint(
                condition=Q(volume_gallons__gt=0) & Q(price_per_gallon__gt=0) & Q(total_cost__gt=0),
                name="fuel_log_positive"),
        ]

    def __str__(self):
        return f"{self.volume_gallons} gal at {self.odometer_miles} mi on {self.date}"


class MaintenanceItem(models.Model):
    """A recurring job ("oil change every 5,000 miles or 6 months"): due at whichever comes first."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="maintenance_items")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="maintenance_items")
    task = models.CharField(max_length=100)
    interval_miles = models.PositiveIntegerField(null=True, blank=True)
    interval_days = models.PositiveIntegerField(null=True, blank=True)
    last_done_odometer = models.PositiveIntegerField(null=True, blank=True)
    last_done_on = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["task", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(interval_miles__gt=0) | Q(interval_days__gt=0),
                                   name="maintenance_item_has_interval"),
            models.UniqueConstraint(fields=["vehicle", "task"], name="maintenance_item_unique_task"),
        ]

    def __str__(self):
        return f"{self.task} ({self.vehicle})"

    def clean(self):
        if not (self.interval_miles or self.interval_days):
            raise ValidationError({"interval_miles": "Give an interval in miles, in days, or both."})


class MaintenanceRecord(models.Model):
    """A job done: what, when, at what odometer, what it cost (also a maintenance expense)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="maintenance_records")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="maintenance_records")
    item = models.ForeignKey(MaintenanceItem, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="records")
    task = models.CharField(max_length=100)
    date = models.DateField()
    odometer_miles = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                               validators=[MinValueValidator(Decimal("0.01"))])
    shop = models.CharField(max_length=200, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    expense = models.OneToOneField("finance.Expense", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="maintenance_record")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.task} on {self.date}"


class StopKind(models.TextChoices):
    CAMPGROUND = "campground", "Campground"
    FUEL = "fuel", "Fuel"
    ATTRACTION = "attraction", "Attraction"
    OVERNIGHT = "overnight", "Overnight"
    OTHER = "other", "Other"


class Trip(models.Model):
    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trips")
    vehicle = models.ForeignKey(Vehicle, null=True, blank=True, on_delete=models.SET_NULL, related_name="trips")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    notes = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["user", "status", "start_date"], name="trip_user_status_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(start_date__isnull=True)
                                   | Q(end_date__gte=models.F("start_date")), name="trip_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The trip must end on or after its start."})


class TripStop(models.Model):
    """One stop of a trip, in order (``position`` 0 is the origin)."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    latitude = models.FloatField(validators=LATITUDE)
    longitude = models.FloatField(validators=LONGITUDE)
    kind = models.CharField(max_length=12, choices=StopKind.choices, default=StopKind.OTHER)
    arrive_on = models.DateField(null=True, blank=True)
    depart_on = models.DateField(null=True, blank=True)
    price_per_night = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                          validators=[MinValueValidator(Decimal("0"))])
    notes = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["trip", "position"]
        constraints = [models.UniqueConstraint(fields=["trip", "position"], name="trip_stop_unique_position")]

    def __str__(self):
        return f"{self.position}. {self.name}"


class SavedPlace(models.Model):
    class Kind(models.TextChoices):
        CAMPGROUND = "campground", "Campground"
        BOONDOCKING = "boondocking", "Boondocking spot"
        RV_PARK = "rv_park", "RV park"
        DUMP_STATION = "dump_station", "Dump station"
        FUEL = "fuel", "Fuel"
        ATTRACTION = "attraction", "Attraction"
        SERVICE = "service", "Repair or service"
        OTHER = "other", "Other"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_places")
    name = models.CharField(max_length=200)
    latitude = models.FloatField(validators=LATITUDE)
    longitude = models.FloatField(validators=LONGITUDE)
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.CAMPGROUND)
    rating = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1),
                                                                                 MaxValueValidator(5)])
    notes = models.CharField(max_length=1000, blank=True)
    amenities = models.JSONField(default=list, blank=True, help_text="e.g. ['full hookups', 'wifi', 'laundry']")
    price_per_night = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                          validators=[MinValueValidator(Decimal("0"))])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name
