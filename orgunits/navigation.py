"""Where a form sends the person back to."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_url(request: HttpRequest, candidate: str | None) -> str | None:
    """`candidate` if it is a path on this site ("/…"), else None.

    A bare word is refused too: Django's redirect() would try to reverse it as a URL name.
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return None
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return candidate
