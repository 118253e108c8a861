"""Builds a ModelSerializer's fields once per class instead of once per instance."""

from __future__ import annotations

import copy
from typing import Any, ClassVar


class CachedFieldsMixin:
    """Reuses the first ``get_fields()`` result of each serializer class as a template.

    ModelSerializer introspects the model and builds every field on each
    instantiation: a third of a cached insight retrieve's CPU. The fields depend
    only on the class and its ``Meta`` (never on the instance, data or context),
    so each instance gets a deep copy of the template, exactly what DRF itself
    does with declared fields.
    """

    # Set on each serializer class itself (read through ``__dict__``, never inherited).
    _field_template: ClassVar[dict[str, Any]]

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        template = cls.__dict__.get("_field_template")
        if template is None:
            template = super().get_fields()  # type: ignore[misc]
            cls._field_template = template  # a race only builds the same template twice
        return copy.deepcopy(template)
