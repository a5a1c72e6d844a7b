"""Staff views of travel data. Edits here bypass the services: no expense is logged for a fill-up
or a job added in admin, and no cached context is dropped; users' own changes go through PAM."""

from django.contrib import admin

from travel.models import FuelLog, MaintenanceItem, MaintenanceRecord, SavedPlace, Trip, TripStop, Vehicle


class MaintenanceItemInline(admin.TabularInline):
    model = MaintenanceItem
    fields = ["task", "interval_miles", "interval_days", "last_done_odometer", "last_done_on"]
    extra = 0
    show_change_link = True


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "vehicle_type", "fuel_type", "make", "model", "year", "odometer_miles",
                    "is_primary"]
    list_filter = ["vehicle_type", "fuel_type", "is_primary"]
    search_fields = ["name", "make", "model", "user__username"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
    inlines = [MaintenanceItemInline]


@admin.register(FuelLog)
class FuelLogAdmin(admin.ModelAdmin):
    list_display = ["date", "user", "vehicle", "odometer_miles", "volume_gallons", "price_per_gallon",
                    "total_cost", "is_full", "missed_previous", "station"]
    list_filter = ["is_full", "missed_previous", "date"]
    search_fields = ["station", "notes", "vehicle__name", "user__username"]
    raw_id_fields = ["user", "vehicle", "expense"]
    list_select_related = ["user", "vehicle"]
    date_hierarchy = "date"


@admin.register(MaintenanceItem)
class MaintenanceItemAdmin(admin.ModelAdmin):
    list_display = ["task", "user", "vehicle", "interval_miles", "interval_days", "last_done_odometer",
                    "last_done_on"]
    search_fields = ["task", "notes", "vehicle__name", "user__username"]
    raw_id_fields = ["user", "vehicle"]
    list_select_related = ["user", "vehicle"]


@admin.register(MaintenanceRecord)
class MaintenanceRecordAdmin(admin.ModelAdmin):
    list_display = ["date", "task", "user", "vehicle", "odometer_miles", "cost", "shop"]
    list_filter = ["date"]
    search_fields = ["task", "shop", "notes", "vehicle__name", "user__username"]
    raw_id_fields = ["user", "vehicle", "item", "expense"]
    list_select_related = ["user", "vehicle"]
    date_hierarchy = "date"


class TripStopInline(admin.TabularInline):
    model = TripStop
    fields = ["position", "name", "kind", "latitude", "longitude", "arrive_on", "depart_on", "price_per_night"]
    extra = 0
    ordering = ["position"]


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "status", "start_date", "end_date", "vehicle", "budget", "updated_at"]
    list_filter = ["status", "start_date"]
    search_fields = ["title", "notes", "user__username", "stops__name"]
    raw_id_fields = ["user", "vehicle"]
    list_select_related = ["user", "vehicle"]
    date_hierarchy = "start_date"
    inlines = [TripStopInline]


@admin.register(TripStop)
class TripStopAdmin(admin.ModelAdmin):
    list_display = ["name", "trip", "position", "kind", "arrive_on", "depart_on", "price_per_night"]
    list_filter = ["kind"]
    search_fields = ["name", "notes", "trip__title", "trip__user__username"]
    raw_id_fields = ["trip"]
    list_select_related = ["trip"]


@admin.register(SavedPlace)
class SavedPlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "kind", "rating", "price_per_night", "latitude", "longitude"]
    list_filter = ["kind", "rating"]
    search_fields = ["name", "notes", "user__username"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
