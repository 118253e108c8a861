from django.apps import AppConfig


class QueryEngineConfig(AppConfig):
    name = "query_engine"
    verbose_name = "Query engine"

    def ready(self) -> None:
        # HogQL's matchesAction needs the step compiler, which itself prints HogQL (property
        # filters of type hogql): installed here so neither imports the other.
        from query_engine.hogql import actions
        from query_engine.hogql.printer import install_matches_action

        install_matches_action(actions.matches_action_sql)

        from query_engine.backends.read_hooks import register_before_read
        from query_engine.materialized import catalog

        register_before_read(catalog.refresh_before_read)
