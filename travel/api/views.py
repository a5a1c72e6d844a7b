"""The travel API's views: thin. Rows are read with travel.selectors (or the user's own rows) and
written with travel.services, always as ``request.user``; another user's row is a 404, and
another user's vehicle named in a body is a 400 naming ``vehicle``, exactly like a missing one.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from pam_project.api_support import OwnedRows, local_today, query_params, service_errors
from travel import services
from travel.api import filters, serializers
from travel.models import FuelLog, MaintenanceItem, MaintenanceRecord, SavedPlace, TripStop, Vehicle
from travel.selectors import fuel_economy, maintenance_due, trip_list


def _vehicle_id(user, vehicle: Vehicle | None) -> int:
    """The vehicle named in a body, else the user's primary (or only) one; none to pick is a 400
    naming ``vehicle``."""
    if vehicle is not None:
        return vehicle.id
    try:
        return services.vehicle_for(user).id
    except Vehicle.DoesNotExist:
        raise ValidationError({"vehicle": [
            "Name one of your vehicles: you have none yet, or several and none is primary."]}) from None


@extend_schema_view(
    list=extend_schema(summary="List vehicles", description="The primary vehicle first, then by name."),
    create=extend_schema(summary="Add a vehicle", description="Your first vehicle is primary unless `is_primary` "
                         "says otherwise; making another primary demotes the old one."),
    retrieve=extend_schema(summary="One vehicle"),
    update=extend_schema(summary="Change a vehicle", description="A new `odometer_miles` must not be lower "
                         "than the current reading (a 400 naming it)."),
    partial_update=extend_schema(summary="Change some fields of a vehicle", description="A new `odometer_miles` "
                                 "must not be lower than the current reading (a 400 naming it)."),
    destroy=extend_schema(summary="Delete a vehicle", description="With its fill-ups and maintenance; their "
                          "expenses stay in the books."),
)
class VehicleViewSet(OwnedRows, viewsets.ModelViewSet):
    serializer_class = serializers.VehicleSerializer
    ordering_fields = ["name", "odometer_miles", "created_at"]
    ordering = ["-is_primary", "name", "id"]

    def user_rows(self, user):
        return Vehicle.objects.filter(user=user)

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.vehicle_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        odometer = changes.pop("odometer_miles", None)
        vehicle_id = serializer.instance.id
        with service_errors(), transaction.atomic():
            if odometer is not None and odometer != serializer.instance.odometer_miles:
                services.odometer_update(user=self.request.user, vehicle_id=vehicle_id, odometer_miles=odometer)
            serializer.instance, _ = services.vehicle_update(user=self.request.user, vehicle_id=vehicle_id,
                                                             **changes)

    def perform_destroy(self, instance):
        with service_errors():
            services.vehicle_delete(user=self.request.user, vehicle_id=instance.id)

    @extend_schema(
        summary="A vehicle's fuel economy",
        description="Measured between full fills, as fuel trackers do: a partial fill defers the measurement to "
        "the next full fill; a fill marked `missed_previous` restarts it.",
        parameters=[serializers.FuelEconomyQuerySerializer],
        responses=serializers.FuelEconomySerializer,
    )
    @action(detail=True, url_path="fuel-economy", filter_backends=[], pagination_class=None)
    def fuel_economy(self, request, pk=None):
        vehicle = self.get_object()
        query = query_params(serializers.FuelEconomyQuerySerializer, request)
        report = fuel_economy(user=request.user, vehicle=vehicle, recent=query["recent"])
        report["vehicle"] = serializers.VehicleSerializer(vehicle, context=self.get_serializer_context()).data
        return Response(report)


@extend_schema_view(
    list=extend_schema(summary="List fill-ups", description="Newest first."),
    create=extend_schema(
        summary="Log a fill-up",
        description="Give any two of `volume_gallons`, `price_per_gallon` and `total_cost` (fewer is a 400 naming "
        "a missing one). Also logs a `fuel` expense (`expense`) and raises the vehicle's odometer if this "
        "reading is higher. Without `vehicle`, your primary vehicle; without `date`, your local today.",
    ),
    retrieve=extend_schema(summary="One fill-up"),
    destroy=extend_schema(summary="Delete a fill-up", description="And the fuel expense it logged."),
)
class FuelLogViewSet(
    OwnedRows, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.FuelLogSerializer
    filterset_class = filters.FuelLogFilter
    ordering_fields = ["date", "odometer_miles", "total_cost"]
    ordering = ["-date", "-odometer_miles", "-id"]

    def user_rows(self, user):
        return FuelLog.objects.filter(user=user)

    def perform_create(self, serializer):
        user = self.request.user
        data = {"date": local_today(user), **serializer.validated_data}
        vehicle_id = _vehicle_id(user, data.pop("vehicle", None))
        with service_errors():
            serializer.instance = services.fuel_log_create(user=user, vehicle_id=vehicle_id, **data)

    def perform_destroy(self, instance):
        with service_errors():
            services.fuel_log_delete(user=self.request.user, fuel_log_id=instance.id)


@extend_schema_view(
    list=extend_schema(summary="List tracked maintenance", description="By task."),
    create=extend_schema(summary="Track a maintenance job", description="Every `interval_miles` and/or "
                         "`interval_days` (at least one), due at whichever comes first. One job of a name per "
                         "vehicle (a 400 naming `task`). Without `vehicle`, your primary vehicle."),
    retrieve=extend_schema(summary="One tracked maintenance job"),
    update=extend_schema(summary="Change a tracked maintenance job", description="It stays on its vehicle."),
    partial_update=extend_schema(summary="Change some fields of a tracked maintenance job"),
    destroy=extend_schema(summary="Stop tracking a maintenance job", description="Its records stay."),
)
class MaintenanceItemViewSet(OwnedRows, viewsets.ModelViewSet):
    serializer_class = serializers.MaintenanceItemSerializer
    filterset_class = filters.MaintenanceItemFilter
    ordering_fields = ["task", "created_at"]
    ordering = ["task", "id"]

    def user_rows(self, user):
        return MaintenanceItem.objects.filter(user=user)

    def perform_create(self, serializer):
        user = self.request.user
        data = dict(serializer.validated_data)
        vehicle_id = _vehicle_id(user, data.pop("vehicle", None))
        with service_errors():
            serializer.instance = services.maintenance_item_create(user=user, vehicle_id=vehicle_id, **data)

    def perform_update(self, serializer):
        changes = {name: value for name, value in serializer.validated_data.items() if name != "vehicle"}
        with service_errors():
            serializer.instance, _ = services.maintenance_item_update(
                user=self.request.user, item_id=serializer.instance.id, **changes)

    def perform_destroy(self, instance):
        with service_errors():
            services.maintenance_item_delete(user=self.request.user, item_id=instance.id)

    @extend_schema(
        summary="Maintenance due",
        description="Every tracked job with when it is next due (odometer and day) and its state, most urgent "
        "first, counted from your local today and each vehicle's odometer.",
        parameters=[serializers.MaintenanceDueQuerySerializer],
        responses=serializers.MaintenanceDueSerializer(many=True),
    )
    @action(detail=False, url_path="due", filter_backends=[], pagination_class=None)
    def due(self, request):
        query = query_params(serializers.MaintenanceDueQuerySerializer, request)
        rows = maintenance_due(user=request.user, today=local_today(request.user), vehicle=query.get("vehicle"))
        return Response([{**row, "vehicle": row["vehicle_id"], "vehicle_name": row["vehicle"]} for row in rows])


@extend_schema_view(
    list=extend_schema(summary="List maintenance records", description="Newest first."),
    create=extend_schema(
        summary="Record maintenance done",
        description="A task the vehicle tracks (any case) resets that job's interval from this date and odometer; "
        "a `cost` also logs a `maintenance` expense. Without `vehicle`, your primary vehicle; without `date`, "
        "your local today.",
    ),
    retrieve=extend_schema(summary="One maintenance record"),
    destroy=extend_schema(summary="Delete a maintenance record", description="And the expense it logged; a "
                          "tracked job it reset goes back to its latest remaining record."),
)
class MaintenanceRecordViewSet(
    OwnedRows, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.MaintenanceRecordSerializer
    filterset_class = filters.MaintenanceRecordFilter
    ordering_fields = ["date", "cost", "created_at"]
    ordering = ["-date", "-id"]

    def user_rows(self, user):
        return MaintenanceRecord.objects.filter(user=user)

    def perform_create(self, serializer):
        user = self.request.user
        data = {"date": local_today(user), **serializer.validated_data}
        vehicle_id = _vehicle_id(user, data.pop("vehicle", None))
        with service_errors():
            serializer.instance = services.maintenance_record_create(user=user, vehicle_id=vehicle_id, **data)

    def perform_destroy(self, instance):
        with service_errors():
            services.maintenance_record_delete(user=self.request.user, record_id=instance.id)


@extend_schema_view(
    list=extend_schema(summary="List trips", description="Soonest first (undated last), each with its stops; no "
                       "estimate here (read one trip for it)."),
    create=extend_schema(summary="Plan a trip", description="With its `stops` in order (the first is where it "
                         "starts). Without `vehicle`, your primary vehicle is used for the estimate."),
    retrieve=extend_schema(summary="One trip with its estimate", description="Its stops and `estimate`: distance, "
                           "driving time and days, fuel (distance ÷ MPG × price) and campground nights."),
    update=extend_schema(summary="Change a trip", description="Not its stops: see trips/{id}/stops/ and "
                         "trip-stops/{id}/."),
    partial_update=extend_schema(summary="Change some fields of a trip"),
    destroy=extend_schema(summary="Delete a trip", description="With its stops."),
)
class TripViewSet(OwnedRows, viewsets.ModelViewSet):
    serializer_class = serializers.TripSerializer
    filterset_class = filters.TripFilter
    ordering_fields = ["start_date", "title", "created_at"]
    ordering = ["start_date", "id"]

    def user_rows(self, user):
        return trip_list(user=user)

    def get_serializer_class(self):
        return serializers.TripSerializer if self.action == "list" else serializers.TripDetailSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        vehicle = data.pop("vehicle", None)
        with service_errors():
            serializer.instance = services.trip_create(
                user=self.request.user, vehicle_id=vehicle.id if vehicle else None, **data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        if "vehicle" in changes:
            vehicle = changes.pop("vehicle")
            changes["vehicle_id"] = vehicle.id if vehicle else None
        with service_errors():
            serializer.instance, _ = services.trip_update(user=self.request.user, trip_id=serializer.instance.id,
                                                          **changes)

    def perform_destroy(self, instance):
        with service_errors():
            services.trip_delete(user=self.request.user, trip_id=instance.id)

    @extend_schema(
        summary="Add a stop to a trip",
        description="At `position` (0-based; the stops from there move down one) or, without it, at the end.",
        request=serializers.TripStopWriteSerializer,
        responses={201: serializers.TripStopSerializer},
    )
    @action(detail=True, methods=["post"], url_path="stops", filter_backends=[], pagination_class=None)
    def add_stop(self, request, pk=None):
        trip = self.get_object()
        stop = serializers.TripStopWriteSerializer(data=request.data, context=self.get_serializer_context())
        stop.is_valid(raise_exception=True)
        data = dict(stop.validated_data)
        position = data.pop("position", None)
        with service_errors():
            row = services.trip_stop_add(user=request.user, trip_id=trip.id, stop=data, position=position)
        return Response(serializers.TripStopSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(summary="One trip stop"),
    partial_update=extend_schema(summary="Change or move a trip stop", description="A new `position` (0-based) "
                                 "moves the stop; the stops in between shift by one."),
    destroy=extend_schema(summary="Remove a trip stop", description="The stops after it move up one."),
)
class TripStopViewSet(OwnedRows, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.TripStopWriteSerializer
    filter_backends = []

    def user_rows(self, user):
        return TripStop.objects.filter(trip__user=user)

    def partial_update(self, request, pk=None):
        stop = self.get_object()
        serializer = self.get_serializer(stop, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        with service_errors():
            stop, _ = services.trip_stop_update(user=request.user, stop_id=stop.id, **changes)
        return Response(self.get_serializer(stop).data)

    def perform_destroy(self, instance):
        with service_errors():
            services.trip_stop_delete(user=self.request.user, stop_id=instance.id)


@extend_schema_view(
    list=extend_schema(summary="List saved places", description="By name; with `near`, only those within "
                       "`radius_miles`, nearest first, each with `distance_miles`."),
    create=extend_schema(summary="Save a place"),
    retrieve=extend_schema(summary="One saved place"),
    update=extend_schema(summary="Change a saved place"),
    partial_update=extend_schema(summary="Change some fields of a saved place"),
    destroy=extend_schema(summary="Forget a saved place"),
)
class SavedPlaceViewSet(OwnedRows, viewsets.ModelViewSet):
    serializer_class = serializers.SavedPlaceSerializer
    filterset_class = filters.SavedPlaceFilter
    ordering_fields = ["name", "rating", "price_per_night", "created_at"]
    ordering = None  # by name, or nearest first with ?near= (filters.SavedPlaceFilter)

    def user_rows(self, user):
        return SavedPlace.objects.filter(user=user)

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.saved_place_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance, _ = services.saved_place_update(
                user=self.request.user, place_id=serializer.instance.id, **serializer.validated_data)

    def perform_destroy(self, instance):
        with service_errors():
            services.saved_place_delete(user=self.request.user, place_id=instance.id)
