"""Pages of the two-factor login: the code step after the password, setting up an authenticator app, and the
recovery codes (shown once). No JavaScript needed; the QR code is an inline SVG, the secret is shown as text too."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .audit import audit_event
from .forms import posted, safe_next
from .two_factor_forms import CodeForm, SetupCodeForm


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, reverse("home"))


def _with_next(request: HttpRequest, name: str) -> str:
    """The URL of `name`, carrying on where the user wanted to go."""
    url = reverse(name)
    if request.POST.get("next") or request.GET.get("next"):
        url += "?" + urlencode({"next": _next_url(request)})
    return url


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the app or a recovery code (which is used up)."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if two_factor.pending_step(request) != two_factor.Step.VERIFY:
        return redirect(_with_next(request, "two_factor_setup"))  # no device yet: nothing to enter here
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        result = two_factor.verify_code(user=request.user, code=form.cleaned_data["code"])
        if isinstance(result, two_factor.CodeRefused):
            audit_event(request, what="two_factor_code_failed", user=request.user)
            form.add_error(
                "code",
                _("Too many wrong codes in a row. Wait a minute, then enter the current code from your app.")
                if result == two_factor.CodeRefused.THROTTLED
                else _("This code is not right. Enter the current six-digit code from your app, or a recovery code."),
            )
        else:
            recovery = not isinstance(result, TOTPDevice)
            audit_event(request, what="two_factor_recovery_code" if recovery else "two_factor_code", user=request.user)
            two_factor.complete_login(request, result)
            return redirect(_next_url(request))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), confirm with its first code. Confirmed,
    the session counts as verified and new recovery codes are shown once."""
    user = request.user
    if not user.is_verified() and two_factor.has_confirmed_device(user):
        # Somebody who only knows the password must not replace the app of the account's owner.
        request.session[two_factor.HAS_DEVICE_SESSION_KEY] = True
        return redirect(_with_next(request, "two_factor_verify"))
    has_app = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if has_app and request.method == "GET" and "neu" not in request.GET:
        return render(request, "registration/two_factor_active.html", {"required": two_factor.required_for(user)})
    key = two_factor.setup_key(request)
    form = SetupCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        confirmed = two_factor.totp_device_confirm(user=user, key=key, code=form.cleaned_data["code"])
        if confirmed is None:
            form.add_error(
                "code",
                _(
                    "This code is not right. Check that the app shows the account “%(issuer)s” and enter the code "
                    "it shows now (it changes every 30 seconds)."
                )
                % {"issuer": two_factor.issuer()},
            )
        else:
            device, codes = confirmed
            audit_event(request, what="two_factor_setup", user=user)
            two_factor.complete_login(request, device)
            request.session[two_factor.NEW_CODES_SESSION_KEY] = codes
            return redirect(_with_next(request, "two_factor_recovery_codes"))
    uri = two_factor.otpauth_uri(user=user, key=key)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_code": mark_safe(two_factor.qr_code_svg(uri)),  # noqa: S308 - SVG built by qrcode from our URI
            "secret": two_factor.secret_for_typing(key),
            "otpauth_uri": uri,
            "required": two_factor.required_for(user),
            "replacing": has_app,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown exactly once (after setup, or renewed here: the old ones stop working)."""
    if not request.user.is_verified():
        return redirect(_with_next(request, "two_factor_setup"))
    codes = request.session.pop(two_factor.NEW_CODES_SESSION_KEY, None)
    if codes is None and request.method == "POST":
        codes = two_factor.recovery_codes_renew(user=request.user)
        audit_event(request, what="two_factor_recovery_codes", user=request.user)
    return render(
        request,
        "registration/two_factor_recovery_codes.html",
        {
            "codes": [f"{code[:4]}-{code[4:]}" for code in codes] if codes else [],
            "next": _next_url(request),
        },
    )
