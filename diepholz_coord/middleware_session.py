"""Sessions end after SESSION_COOKIE_AGE (8 hours) without a request, not 8 hours after the login.

Django moves a stored session's deadline only when the session is saved. SESSION_SAVE_EVERY_REQUEST would save
it on every request (an UPDATE of the session row, three statements inside the tests' transactions, on every
page, partial and poll); instead the session is saved again when its last save is SESSION_REFRESH_SECONDS old,
so the idle limit holds within those minutes and a busy user costs one write per interval.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

REFRESHED_AT = "_refreshed_at"


def session_refresh_due(session, *, now: float) -> bool:
    refreshed_at = session.get(REFRESHED_AT)
    if not isinstance(refreshed_at, int | float):
        return True
    return not 0 <= now - refreshed_at < settings.SESSION_REFRESH_SECONDS


def session_mark_refreshed(session, *, now: float) -> None:
    session[REFRESHED_AT] = int(now)  # modifies the session: SessionMiddleware saves it with a new deadline


class SessionRefreshMiddleware:
    """Below SessionMiddleware: marks a logged-in user's session for saving when its refresh is due."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a logged-in user's session (a cookie came with the request, so the user is one lookup away and
        # usually known already); an anonymous visit, or a stale cookie, never creates one here.
        user = getattr(request, "user", None)
        if session is not None and session.session_key and user is not None and user.is_authenticated:
            now = time.time()
            if session_refresh_due(session, now=now):
                session_mark_refreshed(session, now=now)
        return response


@receiver(user_logged_in, dispatch_uid="session_refresh_on_login")
def _stamp_session_at_login(sender, request, user, **kwargs) -> None:
    """The login saves the session anyway: the first refresh is due an interval later."""
    if request is not None and hasattr(request, "session"):
        session_mark_refreshed(request.session, now=time.time())
