from django.apps import AppConfig


class DiepholzCoordConfig(AppConfig):
    name = "diepholz_coord"
    verbose_name = "Sprachkurskoordination"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        # Connect the login receivers: the session's idle refresh, whether the user must enter a code.
        from . import middleware_session, two_factor  # noqa: F401
        from .audit import audit_login
        from .auditing import register_all

        register_all()  # every model of the project's apps in django-auditlog (diepholz_coord.auditing)

        from .choices import install

        install()  # choice labels without rebuilding the choices per call (diepholz_coord.choices)

        from auditlog.models import LogEntry
        from django.db.models.signals import pre_save

        from .audit import fill_actor

        pre_save.connect(fill_actor, sender=LogEntry, dispatch_uid="audit_fill_actor")

        def logged_in(sender, request, user, **kwargs):
            audit_login(request, user=user)

        def login_failed(sender, credentials, request=None, **kwargs):
            audit_login(request, username=str(credentials.get("username", "")), failed=True)

        user_logged_in.connect(logged_in, dispatch_uid="audit_login", weak=False)
        user_login_failed.connect(login_failed, dispatch_uid="audit_login_failed", weak=False)
