"""On PostgreSQL, the append-only trigger allows one update: a person's deletion of their data replaces
the name in `actor_name` or `object_repr` with `deleted-<id>` (marketplace.models.audit.ANONYMISED);
every other column must stay as it was, and DELETE is still refused."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION marketplace_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
     AND NEW.action = OLD.action AND NEW.object_type = OLD.object_type AND NEW.object_id = OLD.object_id
     AND NEW.reason = OLD.reason AND NEW.data::jsonb = OLD.data::jsonb
     AND (NEW.actor_name = OLD.actor_name OR NEW.actor_name ~ '^deleted-[0-9]+$')
     AND (NEW.object_repr = OLD.object_repr OR NEW.object_repr ~ '^deleted-[0-9]+$') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""
PREVIOUS = """
CREATE OR REPLACE FUNCTION marketplace_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0006_task_deliveries")]
    operations = [migrations.RunPython(forwards, backwards)]
