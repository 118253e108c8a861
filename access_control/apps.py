from django.apps import AppConfig


class AccessControlConfig(AppConfig):
    name = "access_control"
    verbose_name = "Access control"

    def ready(self) -> None:
        from access_control import signals

        signals.connect()
