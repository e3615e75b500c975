"""The code step of the two-factor login: a logged-in user who still has to enter a code (or set up an app first,
where it is required) reaches nothing but those pages, the language switch and logout.

Comes after AuthenticationMiddleware, django-otp's OTPMiddleware (which gives the user `is_verified()`) and
LoginRequiredMiddleware (anonymous users go to the login page first). The Django admin is covered too: it is
behind this like every other page, and its site checks the same rule (diepholz_coord.admin_site).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from . import two_factor

# URL names an unverified user may reach at each step.
ALLOWED = {
    two_factor.Step.VERIFY: frozenset({"two_factor_verify", "logout", "set_language", "healthz"}),
    two_factor.Step.SETUP: frozenset({"two_factor_setup", "logout", "set_language", "healthz"}),
}
STEP_URL_NAMES = {two_factor.Step.VERIFY: "two_factor_verify", two_factor.Step.SETUP: "two_factor_setup"}


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        step = two_factor.pending_step(request)
        # Templates hide the navigation while a step is pending (context processor `navigation`).
        request.two_factor_step = step
        if step is None or request.resolver_match.view_name in ALLOWED[step]:
            return None
        return redirect_to_login(request.get_full_path(), login_url=reverse(STEP_URL_NAMES[step]))
