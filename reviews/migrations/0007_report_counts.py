"""Counts of individual reports per (period, unit, status), kept by statement-level triggers.

Triggers rather than service code: reports are written by services, by enrolment's bulk
create, by the province generator's COPY and by cascades, and every one of them must keep the
counts exact. Statement-level with transition tables, so a bulk insert of 200,000 reports
costs one grouped upsert, not 200,000. Rows are upserted in key order, so two transactions
changing counts of the same units lock them in the same order.
"""

import django.db.models.deletion
from django.db import migrations, models


def _upsert(changes: str) -> str:
    """Add the (subject_id, status, d) rows of `changes` to the counts of their subjects."""
    return f"""
        INSERT INTO reviews_reportcount AS c (period_id, unit_id, status, n)
        SELECT s.period_id, s.unit_id, x.status, sum(x.d)
        FROM ({changes}) AS x JOIN reviews_subject s ON s.id = x.subject_id
        WHERE s.person_id IS NOT NULL
        GROUP BY 1, 2, 3
        HAVING sum(x.d) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (period_id, unit_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    """


def _function(name: str, body: str) -> str:
    return f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {body}
            RETURN NULL;
        END $$;
    """


NEW = "SELECT subject_id, status, 1 AS d FROM new_rows"
OLD = "SELECT subject_id, status, -1 AS d FROM old_rows"
# A subject moved to another unit, period or person: its report's count moves with it.
SUBJECT_MOVED = """
    INSERT INTO reviews_reportcount AS c (period_id, unit_id, status, n)
    SELECT x.period_id, x.unit_id, r.status, sum(x.d)
    FROM (
        SELECT id, period_id, unit_id, 1 AS d FROM new_rows WHERE person_id IS NOT NULL
        UNION ALL
        SELECT id, period_id, unit_id, -1 AS d FROM old_rows WHERE person_id IS NOT NULL
    ) AS x JOIN reviews_report r ON r.subject_id = x.id
    GROUP BY 1, 2, 3
    HAVING sum(x.d) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (period_id, unit_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
"""

FORWARD = [
    _function("reviews_reportcount_insert", _upsert(NEW)),
    _function("reviews_reportcount_update", _upsert(f"{NEW} UNION ALL {OLD}")),
    _function("reviews_reportcount_delete", _upsert(OLD)),
    _function("reviews_reportcount_subject", SUBJECT_MOVED),
    """CREATE TRIGGER reviews_reportcount_insert AFTER INSERT ON reviews_report
       REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reviews_reportcount_insert();""",
    """CREATE TRIGGER reviews_reportcount_update AFTER UPDATE ON reviews_report
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reviews_reportcount_update();""",
    """CREATE TRIGGER reviews_reportcount_delete AFTER DELETE ON reviews_report
       REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reviews_reportcount_delete();""",
    """CREATE TRIGGER reviews_reportcount_subject AFTER UPDATE ON reviews_subject
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reviews_reportcount_subject();""",
    # The counts of the reports that exist already.
    """INSERT INTO reviews_reportcount (period_id, unit_id, status, n)
       SELECT s.period_id, s.unit_id, r.status, count(*)
       FROM reviews_report r JOIN reviews_subject s ON s.id = r.subject_id
       WHERE s.person_id IS NOT NULL
       GROUP BY 1, 2, 3;""",
    "ANALYZE reviews_reportcount;",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS reviews_reportcount_insert ON reviews_report;",
    "DROP TRIGGER IF EXISTS reviews_reportcount_update ON reviews_report;",
    "DROP TRIGGER IF EXISTS reviews_reportcount_delete ON reviews_report;",
    "DROP TRIGGER IF EXISTS reviews_reportcount_subject ON reviews_subject;",
    "DROP FUNCTION IF EXISTS reviews_reportcount_insert();",
    "DROP FUNCTION IF EXISTS reviews_reportcount_update();",
    "DROP FUNCTION IF EXISTS reviews_reportcount_delete();",
    "DROP FUNCTION IF EXISTS reviews_reportcount_subject();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("orgunits", "0006_orgunit_special_calendar"),
        ("reviews", "0006_subject_rated_on_time_worked"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("not_started", "Not started"),
                            ("drafting", "Drafting"),
                            ("submitted", "Submitted"),
                            ("returned", "Returned for revision"),
                        ],
                        max_length=16,
                    ),
                ),
                ("n", models.IntegerField(default=0)),
                (
                    "period",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reviews.reviewperiod",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="orgunits.orgunit",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("period", "unit", "status"), name="reviews_reportcount_unique"
                    )
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
