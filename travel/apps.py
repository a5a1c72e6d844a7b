from django.apps import AppConfig


class TravelConfig(AppConfig):
    """Vehicles, trips, fuel and maintenance: built in the travel issue."""

    name = "travel"
    verbose_name = "Travel"
