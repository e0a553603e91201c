"""On PostgreSQL, refuse UPDATE and DELETE of audit rows in SQL too (the ORM refuses already)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION marketplace_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS marketplace_audit_append_only ON marketplace_auditentry;
CREATE TRIGGER marketplace_audit_append_only BEFORE UPDATE OR DELETE ON marketplace_auditentry
  FOR EACH ROW EXECUTE FUNCTION marketplace_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS marketplace_audit_append_only ON marketplace_auditentry;
DROP FUNCTION IF EXISTS marketplace_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
