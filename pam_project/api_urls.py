"""/api/v1/: every app's REST endpoints in one URL namespace, ``api`` ("api:expense-list",
"api:trip-detail", "api:calendar-event-list"). The apps' URL modules have no namespace of their own."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("finance.api.urls")),
    path("", include("travel.api.urls")),
    path("", include("assistant.api")),
]
