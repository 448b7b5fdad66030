from django.apps import AppConfig


class ScrutinyConfig(AppConfig):
    name = "scrutiny"
    default_auto_field = "django.db.models.BigAutoField"
