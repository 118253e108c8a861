"""CSV output for JSON routes: the payload flattened to rows (nested keys joined with ``.``)."""

from rest_framework_csv.renderers import CSVRenderer


class FlatCSVRenderer(CSVRenderer):
    """``text/csv; charset=utf-8``; a dict is one row, a list one row per item, header sorted."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
