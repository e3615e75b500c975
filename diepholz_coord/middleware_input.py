"""Hostile input that no view should ever see."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import HttpRequest

NUL = "\x00"
FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _has_nul(values) -> bool:
    return any(NUL in value for value in values)


def _multi_has_nul(data) -> bool:
    """A NUL in a QueryDict's or MultiValueDict's keys or in any of its values (each key may carry a list)."""
    return _has_nul(data.keys()) or any(_has_nul(values) for _key, values in data.lists())


def request_has_nul(request: HttpRequest) -> bool:
    """A NUL byte anywhere a view or a lookup could take it from: the path, the (decoded) query string, cookies, and
    the field names and values of a posted form."""
    if NUL in request.path_info or NUL in request.path or _multi_has_nul(request.GET):
        return True
    if _has_nul(request.COOKIES.keys()) or _has_nul(request.COOKIES.values()):
        return True
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        # Django drops unprintable characters from uploaded files' names itself.
        return _multi_has_nul(request.POST) or _has_nul(request.FILES.keys())
    return False


class RefuseNulBytesMiddleware:
    """Answer 400 (templates/400.html) to any request with a NUL byte in it.

    No text a person enters contains one, and PostgreSQL cannot store or even compare it: a NUL in a calendar
    token, a login name, a list filter or a form field reached the database and ended in a 500. Refusing it here,
    before the session, the login throttle and every view, covers every endpoint at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request_has_nul(request):
            # BadRequest becomes Django's 400 page (handler400) and a WARNING "Bad Request" log line.
            raise BadRequest("NUL byte in the request")
        return self.get_response(request)
