from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """Ground floor: who uses the API and what they own; imports no other app of the project."""

    name = "tenancy"
    verbose_name = "Tenancy"
