"""Serializer fields that refuse integers past 64 bits (400) instead of letting the
database overflow on them (a 500). The request guard catches raw JSON integers; these
catch the digit strings DRF converts itself (``"18446744073709551616"``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Int64Field(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(**kwargs)


class Int64PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key checked for range before the lookup (the lookup would overflow)."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            number = int(data)
        except (TypeError, ValueError, OverflowError):
            number = None
        if number is not None and not INT64_MIN <= number <= INT64_MAX:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)
