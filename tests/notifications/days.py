"""Days around the persona period's self-report deadline."""

import datetime as dt

# The `period` fixture opens on Tuesday 1 December 2026; chi bộ and leadership collectives
# (tier "cell", offset 3 working days) must hand in self-reviews by Friday 4 December.
OPENS = dt.date(2026, 12, 1)
DUE = dt.date(2026, 12, 4)
THREE_BEFORE = dt.date(2026, 12, 1)  # Tue: 3 working days left → nothing yet
TWO_BEFORE = dt.date(2026, 12, 2)  # Wed
ONE_BEFORE = dt.date(2026, 12, 3)  # Thu
SATURDAY = dt.date(2026, 12, 5)
ONE_LATE = dt.date(2026, 12, 7)  # Mon: 1 working day late → secretary
TWO_LATE = dt.date(2026, 12, 8)  # Tue: 2 → still only the secretary
THREE_LATE = dt.date(2026, 12, 9)  # Wed: 3 → the organisation officer too
