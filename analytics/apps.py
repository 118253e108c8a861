from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from analytics.ingestion.writer import flush_before_read
        from analytics.response_cache import invalidation
        from analytics.services.action_source import saved_action_named, saved_actions
        from analytics.services.cohort_source import saved_cohort_named, saved_cohorts
        from insights_api.store_failures import cache_breaker, install_query_watchdog
        from query_engine.actions import register_action_name_source, register_action_source
        from query_engine.backends.read_hooks import register_before_read
        from query_engine.cohorts.source import register_cohort_source

        invalidation.connect()
        register_before_read(flush_before_read)
        register_action_source(saved_actions)
        register_action_name_source(saved_action_named)
        register_cohort_source(saved_cohorts, saved_cohort_named)
        connection_created.connect(install_query_watchdog, dispatch_uid="metadata_query_watchdog")
        # Writes dropped while Redis was down may have been invalidations: stored responses go.
        cache_breaker().on_recovery(retire_stored_responses)


def retire_stored_responses() -> None:
    from analytics.response_cache import generations

    generations.bump(None, on_commit=False)
