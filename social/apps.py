from django.apps import AppConfig


class SocialConfig(AppConfig):
    """Follows, posts, meetups and messages: built in a later issue."""

    name = "social"
    verbose_name = "Social"
