"""Query-string filters of the travel list endpoints. A bad parameter is a 400 naming it; a vehicle
that is not the user's is refused like a missing one. Trips and places filter through
travel.selectors (``trip_list``, ``saved_places_near``), so the API and PAM's tools agree."""

import django_filters
from django import forms
from django.db.models import Case, FloatField, Value, When

from pam_project.api_support import local_today
from travel.models import FuelLog, MaintenanceItem, MaintenanceRecord, SavedPlace, Trip, Vehicle
from travel.selectors import saved_places_near, trip_list


def _own_vehicles(request):
    if request is None:  # schema generation
        return Vehicle.objects.none()
    return Vehicle.objects.filter(user=request.user)


def vehicle_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(queryset=_own_vehicles, help_text="One of your vehicles' ids.")


class _DatedFilter(django_filters.FilterSet):
    vehicle = vehicle_filter()
    start = django_filters.DateFilter(field_name="date", lookup_expr="gte", help_text="On or after this date "
                                      "(YYYY-MM-DD).")
    end = django_filters.DateFilter(field_name="date", lookup_expr="lte", help_text="On or before this date "
                                    "(YYYY-MM-DD).")


class FuelLogFilter(_DatedFilter):
    class Meta:
        model = FuelLog
        fields = ["vehicle", "start", "end"]


class MaintenanceRecordFilter(_DatedFilter):
    class Meta:
        model = MaintenanceRecord
        fields = ["vehicle", "start", "end"]


class MaintenanceItemFilter(django_filters.FilterSet):
    vehicle = vehicle_filter()

    class Meta:
        model = MaintenanceItem
        fields = ["vehicle"]


class TripFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Trip.Status.choices)
    upcoming = django_filters.BooleanFilter(
        help_text="true: trips not completed and not over by your local today; false: the others."
    )

    class Meta:
        model = Trip
        fields = ["status", "upcoming"]

    def filter_queryset(self, queryset):
        values = self.form.cleaned_data
        if values.get("status"):
            queryset = queryset.filter(status=values["status"])
        if values.get("upcoming") is not None:
            upcoming = trip_list(user=self.request.user, upcoming_from=local_today(self.request.user))
            queryset = queryset.filter(id__in=upcoming.values("id")) if values["upcoming"] \
                else queryset.exclude(id__in=upcoming.values("id"))
        return queryset


class LatLngField(forms.CharField):
    """``"38.57,-109.55"``: latitude, longitude in degrees."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            latitude, longitude = (float(part) for part in value.split(","))
        except ValueError:
            raise forms.ValidationError("Give a point as latitude,longitude (e.g. 38.57,-109.55).") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise forms.ValidationError("Latitude is -90 to 90 and longitude -180 to 180.")
        return latitude, longitude


class LatLngFilter(django_filters.CharFilter):
    field_class = LatLngField


class SavedPlaceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SavedPlace.Kind.choices)
    q = django_filters.CharFilter(help_text="Text in the name (case-insensitive).")
    near = LatLngFilter(help_text="latitude,longitude: only places within radius_miles of it, nearest first, "
                        "each with distance_miles.")
    radius_miles = django_filters.NumberFilter(min_value=0.1, max_value=5000,
                                               help_text="With near: how far (great-circle miles; default 100).")

    class Meta:
        model = SavedPlace
        fields = ["kind", "q", "near", "radius_miles"]

    def filter_queryset(self, queryset):
        values = self.form.cleaned_data
        if values.get("kind"):
            queryset = queryset.filter(kind=values["kind"])
        if values.get("q"):
            queryset = queryset.filter(name__icontains=values["q"])
        if not values.get("near"):
            return queryset
        latitude, longitude = values["near"]
        radius = float(values["radius_miles"]) if values.get("radius_miles") is not None else 100.0
        rows = saved_places_near(user=self.request.user, latitude=latitude, longitude=longitude,
                                 radius_miles=radius, kind=values.get("kind") or None, text=values.get("q") or None)
        if not rows:
            return queryset.none()
        distance = Case(*(When(id=row["id"], then=Value(row["distance_miles"])) for row in rows),
                        output_field=FloatField())
        return queryset.filter(id__in=[row["id"] for row in rows]).annotate(distance_miles=distance) \
            .order_by("distance_miles", "name", "id")
