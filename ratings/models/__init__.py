"""Models of the ratings app, one module per subject: meetings, ballots, appraisal."""

from .appraisal import (
    Decision,
    DecisionStatus,
    DisciplineForm,
    DisciplineRecord,
    QuotaException,
    Rating,
    RatingStatus,
    StateRating,
)
from .ballots import (
    Ballot,
    BallotRound,
    Candidate,
    CandidateResult,
    PaperEntry,
    Participation,
    RoundKind,
    RoundMode,
    RoundStatus,
    RoundTally,
)
from .facts import AppraisalFacts
from .history import (
    DossierArchive,
    DossierScope,
    HistoricalLevel,
    HistoryUpload,
    SummaryNarrative,
)
from .meetings import AgendaItem, Attendance, Meeting, MeetingKind, MeetingStatus
from .rerating import Rerating
from .rollups import HistoryCount, LevelCount, Measure, MultiSiteSubject

__all__ = [
    "AgendaItem",
    "AppraisalFacts",
    "Attendance",
    "Ballot",
    "BallotRound",
    "Candidate",
    "CandidateResult",
    "Decision",
    "DecisionStatus",
    "DisciplineForm",
    "DisciplineRecord",
    "DossierArchive",
    "DossierScope",
    "HistoricalLevel",
    "HistoryCount",
    "HistoryUpload",
    "LevelCount",
    "Measure",
    "Meeting",
    "MeetingKind",
    "MeetingStatus",
    "MultiSiteSubject",
    "PaperEntry",
    "Participation",
    "QuotaException",
    "Rating",
    "RatingStatus",
    "Rerating",
    "RoundKind",
    "RoundMode",
    "RoundStatus",
    "RoundTally",
    "StateRating",
    "SummaryNarrative",
]
