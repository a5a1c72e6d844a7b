"""/api/v1/ for the road: vehicles (and their fuel economy), fill-ups, maintenance (and what is
due), trips with their stops, and saved places. Included by pam_project.api_urls, whose ``api``
namespace names them ("api:trip-detail")."""

from rest_framework.routers import SimpleRouter

from travel.api import views

router = SimpleRouter()
router.register("vehicles", views.VehicleViewSet, basename="vehicle")
router.register("fuel-logs", views.FuelLogViewSet, basename="fuel-log")
router.register("maintenance-items", views.MaintenanceItemViewSet, basename="maintenance-item")
router.register("maintenance-records", views.MaintenanceRecordViewSet, basename="maintenance-record")
router.register("trips", views.TripViewSet, basename="trip")
router.register("trip-stops", views.TripStopViewSet, basename="trip-stop")
router.register("places", views.SavedPlaceViewSet, basename="saved-place")

urlpatterns = router.urls
