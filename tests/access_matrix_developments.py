"""Access matrix entries for the developments log (format of MATRIX in test_access_matrix.py).

Roles: anonymous, coordinator, county, a_admin, a_staff, b_admin. The county roles read the whole log with its
assessments; providers read developments that concern language courses (this one does; an internal one is 404
for them, see tests/developments/test_pages.py). Only the coordinator records developments and measures; county
staff assess for their own department (the matrix's county user belongs to none: 403).
"""

LOGIN = "login"
READ = [LOGIN, 200, 200, 200, 200, 200]
COORDINATOR_ONLY = [LOGIN, 200, 403, 403, 403, 403]


def development(world):
    """A development that concerns courses, asking Fachdienst Jugend (created once per test)."""
    from developments.models import Development

    from .developments.helpers import make_development

    existing = Development.objects.filter(title="Matrix-Entwicklung").first()
    if existing:
        return existing
    return make_development(world.users.coordinator, title="Matrix-Entwicklung", concerns_courses=True)


def jugend_pk(world):
    from .developments.helpers import jugend

    return jugend().pk


MATRIX = {
    "developments:development_list": ("get", lambda w: [], READ),
    "developments:development_detail": ("get", lambda w: [development(w).pk], READ),
    "developments:log_pdf": ("get", lambda w: [], READ),
    "developments:development_create": ("get", lambda w: [], COORDINATOR_ONLY),
    "developments:development_update": ("get", lambda w: [development(w).pk], COORDINATOR_ONLY),
    "developments:measure_create": ("get", lambda w: [development(w).pk], COORDINATOR_ONLY),
    # Providers read this development but no assessments (404); the county user is in no department (403).
    "developments:assessment_edit": (
        "get",
        lambda w: [development(w).pk, jugend_pk(w)],
        [LOGIN, 200, 403, 404, 404, 404],
    ),
}

# Empty submissions: refused by the form (400), nothing stored; others never reach the form.
POST_MATRIX = {
    "developments:development_create": [LOGIN, 400, 403, 403, 403, 403],
    "developments:development_update": [LOGIN, 400, 403, 403, 403, 403],
    "developments:measure_create": [LOGIN, 400, 403, 403, 403, 403],
    "developments:assessment_edit": [LOGIN, 400, 403, 404, 404, 404],
}
