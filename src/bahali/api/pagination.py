"""Pagination of every API list: ``?limit=`` and ``?offset=``, both bounded.

An unbounded ``limit`` let one request read a whole table, and a ``limit`` or ``offset`` past
64 bits answered 500 (SQLite cannot bind it). Out of bounds is a 422 naming the parameter.
"""

from __future__ import annotations

from ninja import Field
from ninja.pagination import LimitOffsetPagination, paginate

from bahali.api.schemas import Schema

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
MAX_OFFSET = 2**31 - 1

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_OFFSET", "MAX_PAGE_SIZE", "Pagination", "paginate"]


class Pagination(LimitOffsetPagination):
    """``limit`` (1 to ``MAX_PAGE_SIZE``) rows from ``offset`` (0 to ``MAX_OFFSET``)."""

    class Input(Schema):
        limit: int = Field(
            DEFAULT_PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"How many rows, at most {MAX_PAGE_SIZE}",
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many rows to skip")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)
