from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from analytics.ingestion.writer import flush_before_read
        from analytics.response_cache import invalidation
        from analytics.services.action_source import saved_actions
        from query_engine.actions import register_action_source
        from query_engine.backends.read_hooks import register_before_read

        invalidation.connect()
        register_before_read(flush_before_read)
        register_action_source(saved_actions)
