from rest_framework import pagination
from rest_framework.response import Response


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``limit`` (default 100) and ``offset``, with ``count``/``next``/``previous``."""

    default_limit = 100
    max_limit = None


class ActivityPagination(pagination.PageNumberPagination):
    """Activity pages: ``page`` (1-based) and ``limit`` (default 10); ``total_count`` instead of ``count``."""

    page_size = 10
    page_size_query_param = "limit"
    max_page_size = 1000

    def get_paginated_response(self, data):
        assert self.page is not None  # DRF paginates before it asks for the response
        return Response(
            {
                "results": data,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "total_count": self.page.paginator.count,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "total_count"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "total_count": {"type": "integer"},
            },
        }
