"""Errors of the ratings app: each is a rule that refused a change; messages are shown."""


class RatingError(Exception):
    """Base class: the message is safe to show to the user (Vietnamese)."""


class MeetingNotEditable(RatingError):
    pass


class NotConvened(RatingError):
    pass


class QuorumNotMet(RatingError):
    pass


class RoundNotOpen(RatingError):
    pass


class RoundNotClosed(RatingError):
    """No per-choice figure exists before a round is closed."""


class AnotherRoundOpen(RatingError):
    pass


class NotEligibleToVote(RatingError):
    pass


class AlreadyVoted(RatingError):
    pass


class InvalidBallot(RatingError):
    pass


class BallotInvariantBroken(RatingError):
    """The number of ballots differs from the number of participations."""


class AgendaOrderBroken(RatingError):
    """A manual reorder would break the rule set's agenda order (Art. 12(2), R-L3)."""


class AttendanceLocked(RatingError):
    """Attendance is frozen while a round is open: its ballots were issued to those present."""


class BallotsExceedIssued(RatingError):
    """More ballots came back than were issued when the round opened."""


class NotCountingCommittee(RatingError):
    pass


class PaperEntryInvalid(RatingError):
    pass


class PaperEntriesDisagree(RatingError):
    def __init__(self, differences: list[str]):
        super().__init__("Hai lần nhập của tổ kiểm phiếu không khớp: " + "; ".join(differences))
        self.differences = differences


class NoCandidates(RatingError):
    pass


class ChangeReasonRequired(RatingError):
    pass


class QuotaExceeded(RatingError):
    """R-Q1: the decision would put more HTXS in a group than its cap."""

    def __init__(self, message: str, steps: list[str]):
        super().__init__(message)
        self.steps = steps


class NothingToDecide(RatingError):
    pass


class DecisionLocked(RatingError):
    pass


class NotEligibleForRating(RatingError):
    pass


class LinkageViolated(RatingError):
    """R-L1 / R-L2: a head above their collective, a leadership collective above its
    organisation."""


class UnknownLevel(RatingError):
    """The level is not one of the rule set's levels."""


class LevelAboveCap(RatingError):
    """R-E3: a subject capped by absence is rated at most HT, whoever sets the level."""


class FactsReasonRequired(RatingError):
    """Appraisal facts are recorded with their reason and source."""


class FactsShareOutOfRange(RatingError):
    pass


class ConfidenceSourceRequired(RatingError):
    """A low-confidence share entered by hand names the vote it comes from."""


class ChecksNotMet(RatingError):
    """A subject being decided has a blocking check (no report, no points, a level above a
    failed check's cap): deciding over it needs a written reason."""

    def __init__(self, message: str, items: list[str]):
        super().__init__(message)
        self.items = items


class TextTooLong(RatingError):
    """A text over its limit in orgunits.limits.TEXT_LIMITS."""


class ReratingNotProvided(RatingError):
    """The period's rule set redoes a wrong rating by re-opening, not by a re-rating decision."""


class NotDecidedYet(RatingError):
    pass


class SameLevel(RatingError):
    pass


class ExceptionRatioOutOfRange(RatingError):
    """R-Q5: an exception's ratio is above the rule set's maximum (none where it has none) or
    not above the ordinary ratio."""


class NotCompetentAuthority(RatingError):
    """R-Q5: only the competent level (the authority over the unit) grants an exception."""


class VotersMissing(RatingError):
    """Closing a round while some of those issued a ballot have not voted needs confirming."""

    def __init__(self, voted: int, issued: int) -> None:
        self.voted, self.issued = voted, issued
        super().__init__(f"{voted}/{issued} người đã bỏ phiếu — đóng phiếu?")


class SuspendedFromVoting(NotEligibleToVote):
    """A member suspended from party activities receives no ballot."""


class NoFollowUpNeeded(RatingError):
    pass


class SecretaryNotPresent(RatingError):
    pass


class MeetingHasOpenRound(RatingError):
    pass
