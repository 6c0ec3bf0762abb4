"""The API's shared schemas: the base ``Schema`` every endpoint's schemas derive from, and the
one error shape.

The base ``Schema`` refuses, on every field of every request body, what the database or the
date arithmetic cannot take (``bahali.core.inputs``): control characters and surrogates in
text, dates outside 1900–2100 (unless a field carries other ``Years``), integers past 64 bits.
A refusal is a 422 naming the field, with a translated message. Responses are not checked:
they come from the database, through the same schemas.
"""

from __future__ import annotations

from typing import Any

import ninja
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from bahali.core import inputs


def _declare_integer_bounds(schema: dict[str, Any], model: type) -> None:
    """Say in the OpenAPI document what the validator enforces: integers fit in 64 bits."""
    for prop in schema.get("properties", {}).values():
        for candidate in (prop, *prop.get("anyOf", ()), prop.get("items", {})):
            if candidate.get("type") == "integer":
                candidate.setdefault("minimum", inputs.SMALLEST_INTEGER)
                candidate.setdefault("maximum", inputs.LARGEST_INTEGER)


class Schema(ninja.Schema):
    """Base of every API schema: request fields keep ``bahali.core.inputs``' bounds."""

    model_config = ConfigDict(json_schema_extra=_declare_integer_bounds)

    @field_validator("*", mode="after")
    @classmethod
    def _keep_input_bounds(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context and "response_status" in info.context:
            return value  # ninja validating a response, not a request
        field = cls.model_fields.get(info.field_name or "")
        years = (
            next((m for m in field.metadata if isinstance(m, inputs.Years)), None)
            if field
            else None
        )
        found = inputs.problem(value, years=years)
        if found:
            raise PydanticCustomError("out_of_bounds", found)
        return value


class ErrorDetail(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail]


class Error(Schema):
    """Every error answer: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody
