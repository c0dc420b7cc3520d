"""Rating meetings, their agenda and attendance, ballot rounds and secret ballots.

Secrecy by construction: who voted (Participation) and what was voted (Ballot) live in separate
tables. A Ballot row has a random UUIDv4 id, its round and its choices — no voter, no time, no
address — and is never tracked by pghistory. At close the ballots are rewritten in random order
so neither their order nor PostgreSQL's system columns can be joined to the participations.
See docs/ballot-secrecy.md.
"""

from __future__ import annotations

import uuid

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgunits.models import Person
from reviews.models import Subject

from .meetings import Meeting


class RoundKind(models.TextChoices):
    RATING = "rating", _("Secret ballot on quality levels")
    OPINION_POLL = "opinion_poll", _("Opinion poll (consultative)")
    CONFIDENCE = "confidence", _("Confidence vote (QĐ 96)")


class RoundMode(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic ballots")
    PAPER = "paper", _("Paper ballots")


class RoundStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


@pghistory.track()
class BallotRound(models.Model):
    """One ballot paper put to the meeting: the candidates, the options, the rule."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=16, choices=RoundKind.choices)
    mode = models.CharField(
        _("ballots"), max_length=16, choices=RoundMode.choices, default=RoundMode.ELECTRONIC
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.PREPARED
    )
    # The options and the rule in force when the round was prepared: [{code, label}] and the
    # vote rule parameters of the rule set (rule, base, threshold, quorum, k, revote).
    options = models.JSONField()
    rule = models.JSONField()
    convened_count = models.PositiveIntegerField(default=0)
    present_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="round_unique_number")
        ]
        ordering = ["meeting", "number"]

    def __str__(self) -> str:
        return f"{self.meeting} – {self.number}"


class Candidate(models.Model):
    """A subject listed on the ballot paper of a round."""

    round = models.ForeignKey(BallotRound, on_delete=models.CASCADE, related_name="candidates")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "subject"], name="candidate_unique_subject")
        ]


class Participation(models.Model):
    """That a person voted in a round — never what they voted. One per voter per round."""

    round = models.ForeignKey(BallotRound, on_delete=models.CASCADE, related_name="participations")
    voter = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="participation_once_per_round")
        ]


class Ballot(models.Model):
    """What was voted: {candidate id: option code}. No voter, no time, no address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(BallotRound, on_delete=models.CASCADE, related_name="ballots")
    choices = models.JSONField()
    # sha256 of a secret only the voter's browser holds; lets them replace their own ballot
    # where the rule set allows re-voting, without any link to who they are.
    receipt_hash = models.CharField(max_length=64, blank=True)


class CandidateResult(models.Model):
    """The count per option for one candidate and the level the vote rule proposes."""

    round = models.ForeignKey(BallotRound, on_delete=models.CASCADE, related_name="results")
    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="result")
    counts = models.JSONField()
    proposed = models.CharField(max_length=16, blank=True)
    computation = models.JSONField()


class RoundTally(models.Model):
    """The figures of the counting minutes (biên bản kiểm phiếu)."""

    round = models.OneToOneField(BallotRound, on_delete=models.CASCADE, related_name="tally")
    convened = models.PositiveIntegerField()
    present = models.PositiveIntegerField()
    issued = models.PositiveIntegerField()
    returned = models.PositiveIntegerField()
    valid = models.PositiveIntegerField()
    invalid = models.PositiveIntegerField()
    quorum_met = models.BooleanField()


class PaperEntry(models.Model):
    """One counting-committee member's independent entry of the paper ballots."""

    round = models.ForeignKey(BallotRound, on_delete=models.CASCADE, related_name="paper_entries")
    entered_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    issued = models.PositiveIntegerField()
    returned = models.PositiveIntegerField()
    valid = models.PositiveIntegerField()
    invalid = models.PositiveIntegerField()
    # {candidate id: {option code: count}}
    counts = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "entered_by"], name="paper_entry_once")
        ]
