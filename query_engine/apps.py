from django.apps import AppConfig


class QueryEngineConfig(AppConfig):
    name = "query_engine"
    verbose_name = "Query engine"
