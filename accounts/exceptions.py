"""Errors of the accounts app; each message is safe to show to the user."""


class AccountsError(Exception):
    """Base class: the message is in the user's language."""


class CannotResetPassword(AccountsError):
    """No reset link for that person (no account, out of scope, or oneself)."""


class WrongSecondFactorCode(AccountsError):
    """The authenticator or recovery code did not match."""


class CannotManageAccounts(AccountsError):
    """The user may not create or close logins for this unit."""


class ActivationFailed(AccountsError):
    """Wrong, used or expired activation code, or an unacceptable password."""
