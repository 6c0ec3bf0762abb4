"""PostgreSQL for the test suite only: a flush may empty the audit tables.

The audit tables refuse TRUNCATE (migration ``audit.0004``), but Django's transactional and
live-server tests empty the database between tests with one TRUNCATE of every table. This
backend, named only by ``bahali.settings.test``, disables the two TRUNCATE triggers around
that statement, in the flush's own transaction, and enables them again before it commits.
Production uses Django's own backend: no setting, session variable or role lets the
application truncate the audit tables there.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations

NO_TRUNCATE_TRIGGERS = {
    "audit_auditevent": "audit_auditevent_no_truncate",
    "audit_auditchainhead": "audit_auditchainhead_no_truncate",
}


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements = super().sql_flush(style, tables, **kwargs)
        guarded = [table for table in NO_TRUNCATE_TRIGGERS if table in tables]
        if not statements or not guarded:
            return statements
        toggles = [(table, NO_TRUNCATE_TRIGGERS[table]) for table in guarded]
        return [
            *(f"ALTER TABLE {table} DISABLE TRIGGER {trigger};" for table, trigger in toggles),
            *statements,
            *(f"ALTER TABLE {table} ENABLE TRIGGER {trigger};" for table, trigger in toggles),
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
