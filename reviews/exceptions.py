"""Errors of the reviews app: each is a rule that refused a change; messages are shown."""


class ReviewError(Exception):
    """Base class: the message is safe to show to the user (Vietnamese)."""


class RuleSetNotFound(ReviewError):
    pass


class LocalRuleSetMismatch(ReviewError):
    pass


class PeriodAlreadyExists(ReviewError):
    pass


class PeriodClosed(ReviewError):
    pass


class OverrideReasonRequired(ReviewError):
    pass


class ReportConflict(ReviewError):
    """A save based on an older version than the stored one (another tab or device)."""

    def __init__(self, message: str, current_version: int):
        super().__init__(message)
        self.current_version = current_version


class ReportLocked(ReviewError):
    pass


class ReportIncomplete(ReviewError):
    """Submit refused: the listed problems must be fixed first."""

    def __init__(self, problems: list[str]):
        super().__init__("Bản kiểm điểm chưa đầy đủ: " + "; ".join(problems))
        self.problems = problems


class InvalidScore(ReviewError):
    pass


class ReturnReasonRequired(ReviewError):
    pass


class AttachmentRejected(ReviewError):
    pass


class NotCirculated(ReviewError):
    pass


class AnonymousCommentsNotAllowed(ReviewError):
    pass


class CommentAlreadyAnswered(ReviewError):
    pass


class ExplanationRequired(ReviewError):
    pass


class TextTooLong(ReviewError):
    """A text over its limit in orgunits.limits.TEXT_LIMITS."""


class MalformedChange(ReviewError):
    """A report change of the wrong shape (a list where a text is expected, too many keys…)."""


class DateOutsidePeriod(ReviewError):
    """A date typed for a period outside the period's year ± the margin in orgunits.limits."""


class QuarterNotAssessed(ReviewError):
    """The rule set assesses no one in that quarter (or the fourth, folded into the year)."""


class QuarterResultRefused(ReviewError):
    """A quarter result can be recorded only for a submitted quarterly self-assessment."""


class NoQuarterResults(ReviewError):
    pass


class RuleSetHasPlaceholders(ReviewError):
    """The rule set still has texts awaiting their official wording; an administrator must
    confirm opening the period anyway, with a reason."""

    def __init__(self, ruleset_title: str, missing: list[str]):
        self.missing = missing
        shown = "; ".join(missing[:5]) + ("; …" if len(missing) > 5 else "")
        super().__init__(
            f"Bộ quy tắc «{ruleset_title}» còn {len(missing)} nội dung chưa có nguyên văn "
            f"({shown}). Chỉ quản trị viên được mở kỳ khi đã xác nhận và ghi rõ lý do."
        )


class PlaceholderConfirmationNotAllowed(ReviewError):
    """Only an administrator of the scope may confirm opening a period on placeholders."""


class PointSplitError(ReviewError):
    """A province's point split was refused; the message says why."""


class PointSplitNotAllowed(PointSplitError):
    pass


class PointSplitReasonRequired(PointSplitError):
    pass


class PointSplitIncomplete(PointSplitError):
    pass


class PointSplitDoesNotAdd(PointSplitError):
    """The groups of a part do not add up to the part's points (30 or 70)."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


class PointSplitInvalid(PointSplitError):
    pass
