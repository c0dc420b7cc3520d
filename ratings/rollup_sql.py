"""The SQL that keeps the counts of `ratings.models.rollups` (issue #14), in one place: the
statement triggers (installed by migration 0013), the backfill from the raw rows, and the
recount from the raw rows that `manage.py check_rollups` compares with the kept counts.

The triggers are statement-level with transition tables, so a COPY or an `update()` of 50,000
rows costs one grouped upsert of a few thousand counts, and a single decision two rows. Upserts
go in key order, so two transactions touching the same counts lock them in the same order.

A subject's key is taken from the subject row and its rating (if any):

- `final`: decided = the rating's status is decided or published; level = its level then, else '';
- `proposed`: decided = false; level = the rating's proposed level, else ''.

These SQL texts are constants; nothing in them comes from a request.
"""

# ruff: noqa: S608 - every text here is built from the constants of this module
from __future__ import annotations

# The statuses that count as decided; the same as ratings.summary.DECIDED (a test checks it).
DECIDED_SQL = "('decided', 'published')"
SEQUENCE = "ratings_rollup_version"

_KEY = "period_id, unit_id, quota_group_id, subject_class, eligibility, measure, decided, level"
_NO_RATING = "(SELECT NULL::text AS status, NULL::text AS level, NULL::text AS proposed_level)"


def _keyed(source: str, sign: str) -> str:
    """Rows (key…, d) for the subjects `s` with ratings `r` (or nulls) of `source`."""
    return f"""
        SELECT s.period_id, s.unit_id, s.quota_group_id, s.subject_class, s.eligibility,
            k.measure, k.decided, k.level, {sign} AS d
        FROM {source}
        CROSS JOIN LATERAL (VALUES
            ('final', coalesce(r.status IN {DECIDED_SQL}, false),
                CASE WHEN r.status IN {DECIDED_SQL} THEN r.level::text ELSE '' END),
            ('proposed', false, coalesce(r.proposed_level::text, ''))
        ) AS k(measure, decided, level)"""


def _apply(*parts: str) -> str:
    """Add the grouped deltas of `parts` to the counts (a new version for each touched row)."""
    union = " UNION ALL ".join(parts)
    return f"""
    INSERT INTO ratings_levelcount AS c ({_KEY}, n, version)
    SELECT {_KEY}, sum(d), nextval('{SEQUENCE}')
    FROM ({union}) AS delta
    GROUP BY {_KEY}
    ORDER BY {_KEY}
    ON CONFLICT ({_KEY}) DO UPDATE SET n = c.n + EXCLUDED.n, version = EXCLUDED.version;
"""


def _multi_site(pairs: str) -> str:
    """Rebuild the multi-site rows of the (period_id, person_id) of `pairs`."""
    return f"""
    DELETE FROM ratings_multisitesubject m
    USING ({pairs}) AS p
    WHERE m.period_id = p.period_id AND m.person_id = p.person_id;
    INSERT INTO ratings_multisitesubject (subject_id, period_id, person_id, unit_id)
    SELECT s.id, s.period_id, s.person_id, s.unit_id
    FROM reviews_subject s
    JOIN (
        SELECT s2.period_id, s2.person_id
        FROM reviews_subject s2 JOIN ({pairs}) AS p
            ON s2.period_id = p.period_id AND s2.person_id = p.person_id
        GROUP BY 1, 2 HAVING count(*) > 1
    ) AS d ON s.period_id = d.period_id AND s.person_id = d.person_id
    ON CONFLICT (subject_id) DO UPDATE SET period_id = EXCLUDED.period_id,
        person_id = EXCLUDED.person_id, unit_id = EXCLUDED.unit_id;
"""


def _pairs(*sources: str) -> str:
    return " UNION ".join(
        f"SELECT period_id, person_id FROM {src} AS x WHERE person_id IS NOT NULL"
        for src in sources
    )


_SUBJECT_CHANGED = """(
    SELECT {side}.* FROM old_rows o JOIN new_rows nw ON nw.id = o.id
    WHERE (o.period_id, o.unit_id, o.quota_group_id, o.subject_class, o.eligibility,
           o.person_id)
        IS DISTINCT FROM
          (nw.period_id, nw.unit_id, nw.quota_group_id, nw.subject_class, nw.eligibility,
           nw.person_id)
)"""
_OLD_CHANGED = _SUBJECT_CHANGED.format(side="o")
_NEW_CHANGED = _SUBJECT_CHANGED.format(side="nw")
_WITH_RATING = " s LEFT JOIN ratings_rating r ON r.subject_id = s.id"
_SUBJECT_UPDATE = _apply(
    _keyed(_OLD_CHANGED + _WITH_RATING, "-1"), _keyed(_NEW_CHANGED + _WITH_RATING, "1")
)

SUBJECT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ratings_rollup_subject() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply(_keyed("new_rows" + _WITH_RATING, "1"))}
        {_multi_site(_pairs("new_rows"))}
    ELSIF TG_OP = 'UPDATE' THEN
        {_SUBJECT_UPDATE}
        {_multi_site(_pairs(_OLD_CHANGED, _NEW_CHANGED))}
    ELSE
        {_apply(_keyed("old_rows" + _WITH_RATING, "-1"))}
        {_multi_site(_pairs("old_rows"))}
    END IF;
    RETURN NULL;
END;
$$;
"""

_RATED = " r JOIN reviews_subject s ON s.id = r.subject_id"
_UNRATED = f" r0 JOIN reviews_subject s ON s.id = r0.subject_id CROSS JOIN {_NO_RATING} r"

RATING_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ratings_rollup_rating() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply(_keyed("new_rows" + _UNRATED, "-1"), _keyed("new_rows" + _RATED, "1"))}
    ELSIF TG_OP = 'UPDATE' THEN
        {_apply(_keyed("old_rows" + _RATED, "-1"), _keyed("new_rows" + _RATED, "1"))}
    ELSE
        {_apply(_keyed("old_rows" + _RATED, "-1"), _keyed("old_rows" + _UNRATED, "1"))}
    END IF;
    RETURN NULL;
END;
$$;
"""

_HKEY = "year, unit_id, subject_class, level"


def _history(*parts: tuple[str, str]) -> str:
    union = " UNION ALL ".join(f"SELECT {_HKEY}, {sign} AS d FROM {src}" for src, sign in parts)
    return f"""
    INSERT INTO ratings_historycount AS c ({_HKEY}, n, version)
    SELECT {_HKEY}, sum(d), nextval('{SEQUENCE}')
    FROM ({union}) AS delta
    GROUP BY {_HKEY}
    ORDER BY {_HKEY}
    ON CONFLICT ({_HKEY}) DO UPDATE SET n = c.n + EXCLUDED.n, version = EXCLUDED.version;
"""


HISTORY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ratings_rollup_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_history(("new_rows", "1"))}
    ELSIF TG_OP = 'UPDATE' THEN
        {_history(("old_rows", "-1"), ("new_rows", "1"))}
    ELSE
        {_history(("old_rows", "-1"))}
    END IF;
    RETURN NULL;
END;
$$;
"""

_TRIGGERS = (
    ("reviews_subject", "ratings_rollup_subject"),
    ("ratings_rating", "ratings_rollup_rating"),
    ("ratings_historicallevel", "ratings_rollup_history"),
)


def _create_triggers() -> str:
    statements = []
    for table, function in _TRIGGERS:
        for op, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            statements.append(
                f"CREATE TRIGGER {function}_{op.lower()} AFTER {op} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
    return "\n".join(statements)


def _drop_triggers() -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {function}_{op} ON {table};"
        for table, function in _TRIGGERS
        for op in ("insert", "update", "delete")
    )


# --- Recount from the raw rows (backfill and check_rollups) ----------------------------------

RAW_LEVEL_COUNTS = f"""
    SELECT {_KEY}, sum(d) AS n FROM ({_keyed("reviews_subject" + _WITH_RATING, "1")}) AS raw
    GROUP BY {_KEY}
"""
RAW_MULTI_SITE = """
    SELECT s.id, s.period_id, s.person_id, s.unit_id
    FROM reviews_subject s
    JOIN (
        SELECT period_id, person_id FROM reviews_subject WHERE person_id IS NOT NULL
        GROUP BY 1, 2 HAVING count(*) > 1
    ) AS d ON s.period_id = d.period_id AND s.person_id = d.person_id
"""
RAW_HISTORY_COUNTS = f"""
    SELECT {_HKEY}, count(*) AS n FROM ratings_historicallevel GROUP BY {_HKEY}
"""

BACKFILL = f"""
INSERT INTO ratings_levelcount ({_KEY}, n, version)
SELECT {_KEY}, n, nextval('{SEQUENCE}') FROM ({RAW_LEVEL_COUNTS}) AS raw ORDER BY {_KEY};
INSERT INTO ratings_multisitesubject (subject_id, period_id, person_id, unit_id)
{RAW_MULTI_SITE};
INSERT INTO ratings_historycount ({_HKEY}, n, version)
SELECT {_HKEY}, n, nextval('{SEQUENCE}') FROM ({RAW_HISTORY_COUNTS}) AS raw ORDER BY {_HKEY};
"""

INSTALL = (
    f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE};"
    + SUBJECT_FUNCTION
    + RATING_FUNCTION
    + HISTORY_FUNCTION
    + _create_triggers()
)
UNINSTALL = (
    _drop_triggers()
    + "DROP FUNCTION IF EXISTS ratings_rollup_subject();"
    + "DROP FUNCTION IF EXISTS ratings_rollup_rating();"
    + "DROP FUNCTION IF EXISTS ratings_rollup_history();"
    + f"DROP SEQUENCE IF EXISTS {SEQUENCE};"
)
