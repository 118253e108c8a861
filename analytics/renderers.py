"""CSV output for JSON routes: the payload flattened to rows (nested keys joined with ``.``)."""

from typing import Any

from rest_framework_csv.renderers import CSVRenderer


class FlatCSVRenderer(CSVRenderer):
    """``text/csv; charset=utf-8``; a dict is one row, a list one row per item, header sorted."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, media_type: str | None = None, renderer_context: Any = None, writer_opts: Any = None
    ) -> Any:
        rendered = super().render(data, media_type, renderer_context, writer_opts)
        # DRF drops the Content-Type of an empty body, so an empty list still answers one
        # (empty) CSV line instead of a body no client can type.
        return rendered or "\r\n"
