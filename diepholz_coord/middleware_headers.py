"""Response headers for every response Django produces (static files are answered earlier, by WhiteNoise)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)` (an empty list: nobody)."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class SecurityHeadersMiddleware:
    """Permissions-Policy from settings.PERMISSIONS_POLICY, and `Cache-Control: no-store` on every response.

    Everything Django answers may show personal data (pages, htmx partials, PDFs, exports) or depends on who
    is logged in, so no browser or proxy keeps a copy. A view that sets its own Cache-Control keeps it (the
    iCal feed allows calendar clients a private copy for five minutes). Applying it to every response rather
    than only to logged-in ones also spares the session and user lookups for anonymous requests.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        self.permissions_policy = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if "Cache-Control" not in response.headers:
            patch_cache_control(response, no_store=True)
        return response
