"""Access matrix entries for the register of workflows (format of MATRIX in test_access_matrix.py).

Roles: anonymous, coordinator, county, a_admin, a_staff, b_admin. Every logged-in role reads the whole register
(no personal data in it); only the coordinator records workflows and versions.
"""

LOGIN = "login"
READ = [LOGIN, 200, 200, 200, 200, 200]
COORDINATOR_ONLY = [LOGIN, 200, 403, 403, 403, 403]


def workflow(world):
    """A workflow with two versions (created once per test)."""
    import datetime

    from django.utils import timezone

    from register.models import Workflow

    from .register.helpers import department, make_workflow, new_version

    existing = Workflow.objects.filter(title="Matrix-Ablauf").first()
    if existing:
        return existing
    today = timezone.localdate()
    first = make_workflow(
        world.users.coordinator, title="Matrix-Ablauf", today=today, valid_from=today - datetime.timedelta(days=60)
    )
    new_version(
        world.users.coordinator,
        first.workflow,
        today=today,
        valid_from=today - datetime.timedelta(days=10),
        steps=[{"title": "Neu", "department": department()}],
    )
    return first.workflow


MATRIX = {
    "register:workflow_list": ("get", lambda w: [], READ),
    "register:workflow_detail": ("get", lambda w: [workflow(w).pk], READ),
    "register:version_detail": ("get", lambda w: [workflow(w).pk, 1], READ),
    "register:version_diff": ("get", lambda w: [workflow(w).pk], READ),
    "register:register_pdf": ("get", lambda w: [], READ),
    "register:version_pdf": ("get", lambda w: [workflow(w).pk, 1], READ),
    "register:workflow_create": ("get", lambda w: [], COORDINATOR_ONLY),
    "register:version_create": ("get", lambda w: [workflow(w).pk], COORDINATOR_ONLY),
}

# Empty submissions: refused by the form (400), nothing stored; others never reach the form.
POST_MATRIX = {
    "register:workflow_create": [LOGIN, 400, 403, 403, 403, 403],
    "register:version_create": [LOGIN, 400, 403, 403, 403, 403],
}
