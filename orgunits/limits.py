"""The data limits of the whole project, in one place; docs/limits.md explains each.

Forms take their `max_length` from here and the services check again (the autosave path has
no form), so a limit changes in this file only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

# Characters (after NFC normalisation) one text field may hold.
TEXT_LIMITS: dict[str, int] = {
    "report_section": 20_000,  # one free-text section of a report; an answer to a suggestion
    "report_note": 4_000,  # a note on a checklist item or on a carried shortcoming
    "report_total": 200_000,  # all the text of one report together
    "comment": 4_000,  # a comment on a circulated report; the reporter's response
    "suggestion": 4_000,  # a point a superior level asks the report to address
    "residence_comment": 4_000,  # the residence party cell's comment
    "reason": 4_000,  # why: a return, an override, a change of level, a cancellation
    "remediation": 4_000,  # a shortcoming and its measure
    "description": 4_000,  # what a disciplinary case was about
    "conclusion": 20_000,  # the chair's conclusion on an agenda item
    "narrative": 50_000,  # sections II and III of the summary report
    "short_text": 255,  # a title, a place, a cell's name, a schedule change's reason
}
# A ballot's receipt (a hash the voter keeps) and a password typed at the login.
RECEIPT_LENGTH = 128
PASSWORD_LENGTH = 1_024
# The largest whole number a form takes where nothing smaller bounds it (PostgreSQL's integer).
MAX_INTEGER = 2_147_483_647
# The shape of one autosave: keys per part of the report and the length of a key.
MAX_KEYS_PER_PART = 200
MAX_KEY_LENGTH = 64
# Dates typed for a period (circulation, schedule, received on) stay within its year ± this.
PERIOD_DATE_MARGIN_YEARS = 1


def text_too_long(label: str, length: int, limit: int) -> str:
    """The Vietnamese message for a text over its limit."""
    return f"«{label}» dài {length:,} ký tự, vượt giới hạn {limit:,} ký tự.".replace(",", ".")


def check_text(value: str, *, kind: str, label: str, error: Callable[[str], Exception]) -> str:
    """Return `value` if it is within the limit of `kind`; raise `error(message)` if not."""
    limit = TEXT_LIMITS[kind]
    if len(value) > limit:
        raise error(text_too_long(label, len(value), limit))
    return value


def period_date_window(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day a date typed for a period of `year` may take."""
    return (
        dt.date(year - PERIOD_DATE_MARGIN_YEARS, 1, 1),
        dt.date(year + PERIOD_DATE_MARGIN_YEARS, 12, 31),
    )
