"""PostgreSQL: the database itself refuses overlapping busy intervals per resource.

SQLite has no exclusion constraints; there services.book re-checks inside a BEGIN IMMEDIATE
transaction, which serialises writers. Needs the btree_gist extension (created here; on a managed
PostgreSQL where the app's role may not create extensions, an administrator runs
`CREATE EXTENSION btree_gist;` once before migrating).
"""

from django.db import migrations

RESOURCES = [("practitioner", "practitioner_id"), ("room", "room_id"), ("device", "device_id")]
ACTIVE = "status <> 'cancelled'"


def _forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in RESOURCES:
        schema_editor.execute(
            f"ALTER TABLE booking_appointment ADD CONSTRAINT no_double_booking_{name} "
            f"EXCLUDE USING gist ({column} WITH =, tstzrange({name}_start, {name}_end, '[)') WITH &&) "
            f"WHERE ({ACTIVE} AND {column} IS NOT NULL) "
            # Deferrable so that moving a whole series can swap slots inside one transaction.
            "DEFERRABLE INITIALLY IMMEDIATE"
        )


def _backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in RESOURCES:
        schema_editor.execute(f"ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS no_double_booking_{name}")


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]
    operations = [migrations.RunPython(_forward, _backward)]
