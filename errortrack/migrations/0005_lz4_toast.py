"""PostgreSQL: compress the large values (inbox payloads, event JSON) with lz4 instead of pglz.

lz4 costs PostgreSQL several times less CPU per 17 KB value than the default pglz (measured in
bench/ingest_load.py: the database's CPU per event fell by about a third). Only PostgreSQL 14+
built with lz4 has it; elsewhere, and on SQLite, this does nothing.
"""

from django.db import DatabaseError, migrations, transaction

COLUMNS = [("errortrack_inboxitem", "payload"), ("errortrack_event", "data")]


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    for table, column in COLUMNS:
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" '
                               "SET COMPRESSION lz4")
        except DatabaseError:
            return  # built without lz4: keep pglz


class Migration(migrations.Migration):
    dependencies = [("errortrack", "0004_fast_fields")]

    operations = [migrations.RunPython(use_lz4, migrations.RunPython.noop, elidable=True)]
