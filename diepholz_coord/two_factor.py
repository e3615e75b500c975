"""Two-factor login (TOTP app plus one-time recovery codes, django-otp): who needs it, and the writes.

Rules:
- With TWO_FACTOR_REQUIRED (default in production) the coordinator, provider admins and every account that may
  enter the Django admin (is_staff) must set up an authenticator app before they can reach anything.
- Everybody else may set one up; whoever has a confirmed device enters a code at every login, whatever the
  setting says (a switch for the demo must not silently drop a factor somebody chose).
- Until the code step is passed the user reaches only the code/setup pages, the language switch and logout
  (diepholz_coord.middleware_otp).
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
import secrets

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import access

# Roles that must use a second factor when TWO_FACTOR_REQUIRED is on (issue 12, point 4).
REQUIRED_ROLES = frozenset({access.Role.COORDINATOR, access.Role.PROVIDER_ADMIN})
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator-App"
RECOVERY_DEVICE_NAME = "Wiederherstellungscodes"

# Session keys. Whether the user had a confirmed device is looked up once at login (not on every request: pages
# have query budgets); the setup key lives in the session until the first code confirms it, so an abandoned setup
# leaves no half device behind; the new recovery codes wait there to be shown exactly once.
HAS_DEVICE_SESSION_KEY = "two_factor_has_device"
SETUP_KEY_SESSION_KEY = "two_factor_setup_key"
NEW_CODES_SESSION_KEY = "two_factor_new_recovery_codes"


class Step(enum.StrEnum):
    VERIFY = "verify"  # has a device: enter a code
    SETUP = "setup"  # must have a device and has none: set one up


def required_for(user) -> bool:
    """Whether the user must have a second factor (the setting, the role, access to the admin)."""
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    return user.is_staff or access.role_of(user) in REQUIRED_ROLES


def has_confirmed_device(user) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def pending_step(request: HttpRequest) -> Step | None:
    """The step the logged-in user must pass before anything else, or None."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    has_device = request.session.get(HAS_DEVICE_SESSION_KEY)
    if has_device is None:  # a session from before two-factor login existed
        has_device = request.session[HAS_DEVICE_SESSION_KEY] = has_confirmed_device(user)
    if has_device:
        return Step.VERIFY
    if required_for(user):
        return Step.SETUP
    return None


@receiver(user_logged_in)
def _remember_whether_a_code_is_needed(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[HAS_DEVICE_SESSION_KEY] = has_confirmed_device(user)


# --- setup -----------------------------------------------------------------------------------------------------


def setup_key(request: HttpRequest) -> str:
    """The secret (hex) of the app being set up in this session; a new one on first use."""
    key = request.session.get(SETUP_KEY_SESSION_KEY)
    if not key:
        key = request.session[SETUP_KEY_SESSION_KEY] = random_hex(20)
    return key


def _unsaved_totp_device(*, user, key: str) -> TOTPDevice:
    return TOTPDevice(user=user, key=key, name=TOTP_DEVICE_NAME, confirmed=True)


def issuer() -> str:
    return settings.OTP_TOTP_ISSUER


def otpauth_uri(*, user, key: str) -> str:
    """What the authenticator app reads from the QR code (issuer from OTP_TOTP_ISSUER)."""
    return _unsaved_totp_device(user=user, key=key).config_url


def secret_for_typing(key: str) -> str:
    """The secret in base32, in groups of four, for apps set up by typing it in."""
    secret = base64.b32encode(binascii.unhexlify(key)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(uri: str) -> str:
    """The QR code as an inline SVG element (no image request, no JavaScript, no CDN)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=18, border=2)
    return image.to_string(encoding="unicode")


def normalise_code(code: str) -> str:
    """Codes as people type them: spaces and hyphens (from printed recovery codes) ignored, case ignored."""
    return re.sub(r"[\s-]", "", code).lower()


def _new_recovery_codes(*, user) -> list[str]:
    """Replace the user's recovery codes by RECOVERY_CODE_COUNT new ones; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    # 8 characters from base32 (40 bits) each, shown as two groups of four; wrong guesses are throttled.
    codes = [base64.b32encode(secrets.token_bytes(5)).decode().lower() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def totp_device_confirm(*, user, key: str, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the app set up with `key` by its first code: the user's other app devices are replaced and new
    recovery codes made. Returns the device and the codes, or None when the code is wrong (nothing saved)."""
    device = _unsaved_totp_device(user=user, key=key)
    device.save()
    if not device.verify_token(normalise_code(code)):
        transaction.set_rollback(True)
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device, _new_recovery_codes(user=user)


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    return _new_recovery_codes(user=user)


def complete_login(request: HttpRequest, device) -> None:
    """Mark the session as verified by `device` (a new session key: the session now grants more)."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[HAS_DEVICE_SESSION_KEY] = True
    request.session.pop(SETUP_KEY_SESSION_KEY, None)


# --- code step -------------------------------------------------------------------------------------------------


class CodeRefused(enum.StrEnum):
    WRONG = "wrong"
    THROTTLED = "throttled"  # too many wrong codes in a row: django-otp makes the user wait, doubling each time


def verify_code(*, user, code: str):
    """The device that accepts `code` — a six-digit app code, or a recovery code (used up by this) — or a
    CodeRefused reason."""
    code = normalise_code(code)
    model = TOTPDevice if code.isascii() and code.isdigit() and len(code) == 6 else StaticDevice
    throttled = False
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            allowed, _reason = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(code):
                return device
    return CodeRefused.THROTTLED if throttled else CodeRefused.WRONG
