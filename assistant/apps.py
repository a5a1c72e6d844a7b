from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "assistant"
    verbose_name = "PAM assistant"

    def ready(self):
        # Every app's tools.py registers its PAM tools with @pam_tool on import.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tools")
