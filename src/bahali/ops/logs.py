"""Structured logs: one JSON object a line, carrying the operation id of the request or
command that logged it (the id its audit events carry, so a log line leads to the trail).

Enabled by ``LOGGING`` in the settings (``BAHALI_LOG_FORMAT=json``, the default;
``text`` for a person reading a terminal).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from bahali.core.context import current_operation

# Attributes every LogRecord has; anything else was passed in ``extra=`` and is logged.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class OperationFilter(logging.Filter):
    """Adds ``operation`` (the current operation id, or "") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "operation", ""):
            record.operation = current_operation()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "operation": getattr(record, "operation", "") or current_operation(),
            "pid": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
