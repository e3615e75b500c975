"""The Django admin behind the same two-factor login as the rest of the product."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class TwoFactorAdminSite(admin.AdminSite):
    """Staff only (Django's rule), and only once the code step of the login is passed. TwoFactorMiddleware sends
    such a user to the code step before the admin is reached; this check holds even without the middleware."""

    def has_permission(self, request):
        from . import two_factor

        return super().has_permission(request) and two_factor.pending_step(request) is None


class TwoFactorAdminConfig(AdminConfig):
    """django.contrib.admin with TwoFactorAdminSite as `admin.site` (named in INSTALLED_APPS instead of it)."""

    default_site = "diepholz_coord.admin_site.TwoFactorAdminSite"
