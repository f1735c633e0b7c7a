"""SQL functions Django lacks on every backend we run on."""

from django.db.models import BigIntegerField, Func


class EpochSeconds(Func):
    """Whole Unix seconds of a datetime column, computed by the database: grouping by time
    slot happens there, and Python never builds a datetime per row."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, **extra,
                           template="EXTRACT(EPOCH FROM %(expressions)s)::bigint")

    def as_sqlite(self, compiler, connection, **extra):
        # julianday avoids strftime('%s'), whose % the SQLite backend would take for a
        # placeholder; rounding absorbs the float's last digit.
        return self.as_sql(compiler, connection, **extra, template=(
            "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400) AS INTEGER)"))
