"""PostgreSQL for the test suite only: a flush may empty the audit tables.

The audit tables refuse TRUNCATE (migration ``audit.0004``), but Django's transactional and
live-server tests empty the database between tests with one TRUNCATE of every table. This
backend, named only by ``bahali.settings.test``, disables the two TRUNCATE triggers around
that statement, in the flush's own transaction, and enables them again before it commits;
and it empties every other table with ``DELETE`` rather than TRUNCATE (see ``sql_flush``).
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
    def sql_flush(
        self,
        style: Any,
        tables: Any,
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        """Empty ``tables`` between tests, the audit tables' TRUNCATE triggers off meanwhile:
        the tables holding more than a few pages (and the audit tables, which refuse row
        deletes) by one TRUNCATE, every other table by ``DELETE``.

        One TRUNCATE of every table costs seconds on PostgreSQL (new files for each table,
        index and TOAST table), most of them empty or holding the few rows a test left,
        which ``DELETE`` removes in milliseconds; a table a demo filled is truncated. The
        foreign keys Django creates are deferred, so the order of the deletes does not
        matter within the flush's transaction, and the TRUNCATE cascades only to tables
        being emptied anyway. Asked to reset sequences, it truncates every table as Django
        does.
        """
        if not tables:
            return []
        guarded = [table for table in NO_TRUNCATE_TRIGGERS if table in tables]
        toggles = [(table, NO_TRUNCATE_TRIGGERS[table]) for table in guarded]
        if reset_sequences:
            statements = super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        else:
            names = ", ".join("'" + table.replace("'", "''") + "'" for table in tables)
            always = ", ".join("'" + table + "'" for table in guarded) or "NULL"
            statements = [FLUSH_BY_SIZE % {"tables": names, "always": always}]
        if not guarded:
            return statements
        return [
            *(f"ALTER TABLE {table} DISABLE TRIGGER {trigger};" for table, trigger in toggles),
            *statements,
            *(f"ALTER TABLE {table} ENABLE TRIGGER {trigger};" for table, trigger in toggles),
        ]


# Tables over 256 KiB on disk (a demo's worth of rows) are truncated together; the rest are
# emptied row by row. Table names come from Django's introspection.
FLUSH_BY_SIZE = """DO $flush$
DECLARE
    name text;
    big text[] := '{}';
    small text[] := '{}';
BEGIN
    FOREACH name IN ARRAY ARRAY[%(tables)s]::text[] LOOP
        IF name = ANY (ARRAY[%(always)s]::text[])
           OR pg_relation_size(quote_ident(name)::regclass) > 262144 THEN
            big := big || quote_ident(name);
        ELSE
            small := small || quote_ident(name);
        END IF;
    END LOOP;
    IF cardinality(big) > 0 THEN
        EXECUTE 'TRUNCATE ' || array_to_string(big, ', ') || ' CASCADE';
    END IF;
    FOREACH name IN ARRAY small LOOP
        EXECUTE 'DELETE FROM ' || name;
    END LOOP;
END
$flush$;"""


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
