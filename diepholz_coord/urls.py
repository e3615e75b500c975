from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import two_factor_views, views, views_audit
from .forms import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm

# A database error raised in a middleware (session, user) is an outage: 503, not 500 (see middleware_outage).
handler500 = "diepholz_coord.middleware_outage.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("protokoll/", views_audit.audit_log, name="audit_log"),
    path("protokoll/export/", views_audit.audit_export, name="audit_export"),
    path("", include("courses.urls")),
    path("", include("participants.urls")),
    path("", include("transitions.urls")),
    path("", include("meetings.urls")),
    path("", include("register.urls")),
    path("", include("developments.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Two-factor login: the code step after the password, setting up the app, the recovery codes.
    path("accounts/zwei-faktor/code/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/zwei-faktor/einrichten/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/zwei-faktor/wiederherstellungscodes/",
        two_factor_views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("accounts/passwort/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/passwort/geaendert/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The language switch works on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
