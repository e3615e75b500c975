"""Access matrix entries for import and export: same format as MATRIX in test_access_matrix.py.

Roles in order: anonymous, coordinator, county, a_admin, a_staff, b_admin. Provider staff may import
participants (they register people) but not courses (managing courses is the provider admin's); county staff
export courses and the district overview, never participants.
"""

LOGIN = "login"

MATRIX = {
    "participants:participant_import": ("get", lambda w: [], [LOGIN, 200, 403, 200, 200, 200]),
    # Bulk exports: the coordinator and provider admins; staff export their courses' lists (below).
    "participants:participant_export": ("get", lambda w: [], [LOGIN, 200, 403, 200, 403, 200]),
    "participants:course_roster_export": ("get", lambda w: [w.course_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
    "courses:course_import": ("get", lambda w: [], [LOGIN, 200, 403, 200, 403, 200]),
    "courses:course_export": ("get", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    "courses:overview_export": ("get", lambda w: [], [LOGIN, 200, 200, 403, 403, 403]),
}

# Empty POSTs: allowed roles get the upload form back with "choose a file" (400); nothing is saved.
POST_MATRIX = {
    "participants:participant_import": [LOGIN, 400, 403, 400, 400, 400],
    "courses:course_import": [LOGIN, 400, 403, 400, 403, 400],
}
