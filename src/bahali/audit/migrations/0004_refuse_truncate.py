"""On PostgreSQL, refuse TRUNCATE of the audit tables too (row triggers do not see it).

The test suite flushes its database with TRUNCATE between transactional tests; its database
backend (``bahali.audit.flushable_postgresql``, test settings only) disables these triggers
for the length of that flush. Production keeps them unconditionally.
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION bahali_audit_append_only();
CREATE TRIGGER audit_auditchainhead_no_truncate
    BEFORE TRUNCATE ON audit_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION bahali_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditchainhead_no_truncate ON audit_auditchainhead;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain")]

    operations = [migrations.RunPython(create, drop)]
