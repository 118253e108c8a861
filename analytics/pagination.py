from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``limit`` (default 100) and ``offset``, with ``count``/``next``/``previous``."""

    default_limit = 100
    max_limit = None
