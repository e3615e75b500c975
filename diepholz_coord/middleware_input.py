"""Hostile input that no view should ever see."""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.urls import reverse

NUL = "\x00"
FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
DATE_PART = re.compile(r"__(year|month|day)\Z")


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


def admin_date_out_of_range(request: HttpRequest, admin_prefix: str) -> bool:
    """A date hierarchy parameter of an admin list (?start_date__year=…) longer than four characters.

    Django's admin builds datetime(year, month, day) from them and answers a ValueError as a wrong lookup, but not
    the OverflowError of a number beyond a C long: ?start_date__year=99999999999999999999 was a 500 on every admin
    list with a date hierarchy (ours and django-axes' and django-auditlog's)."""
    if not request.path_info.startswith(admin_prefix):
        return False
    return any(DATE_PART.search(key) and any(len(value) > 4 for value in values) for key, values in request.GET.lists())


class RefuseHostileInputMiddleware:
    """Answer 400 (templates/400.html) to any request with a NUL byte in it, and to an admin list's date that no
    calendar has.

    No text a person enters contains a NUL, and PostgreSQL cannot store or even compare it: a NUL in a calendar
    token, a login name, a list filter or a form field reached the database and ended in a 500. Refusing it here,
    before the session, the login throttle and every view, covers every endpoint at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix: str | None = None

    def __call__(self, request: HttpRequest):
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        if request_has_nul(request) or admin_date_out_of_range(request, self.admin_prefix):
            # BadRequest becomes Django's 400 page (handler400) and a WARNING "Bad Request" log line.
            raise BadRequest("NUL byte or impossible date in the request")
        return self.get_response(request)
