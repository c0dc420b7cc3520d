"""The dashboard's to-do cards, contributed by the apps that know the work.

The cards need reviews' and ratings' data, but apps depend downward only (ratings → reviews →
orgunits): so the upper apps register a provider here in their AppConfig.ready(), and the
dashboard, which lives in orgunits, asks every provider without importing any of them — the
same shape as the documents registry. A provider reads through its app's selectors, in a fixed
number of queries whatever the number of rows, and returns the cards still to do (a card
disappears once its work is done because the provider no longer finds it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .selectors import AnyUser


@dataclass(frozen=True)
class Todo:
    """One thing the user has to do, with the page that does it."""

    kind: str  # a stable name, for tests and styling ("write_report", "vote", ...)
    title: str
    url: str
    action: str  # the link's label
    detail: str = ""
    due: dt.date | None = None
    due_label: str = ""  # what the date is when it is not a deadline ("Meeting date")
    order: int = 50  # lower first: the person's own duties, then the roles'


Provider = Callable[[AnyUser, dt.date], Iterable[Todo]]

_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace, on a second ready()) a provider of cards."""
    _providers[name] = provider


def todos_for(user: AnyUser, *, today: dt.date) -> list[Todo]:
    """Every provider's cards for the user, the earliest deadline first within an order."""
    if not user.is_authenticated:
        return []
    cards = [card for provider in _providers.values() for card in provider(user, today)]
    return sorted(cards, key=lambda c: (c.order, c.due or dt.date.max, c.title))
