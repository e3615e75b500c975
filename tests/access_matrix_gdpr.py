"""Access matrix entries for the GDPR tools: same format as MATRIX in test_access_matrix.py.

Roles in order: anonymous, coordinator, county, a_admin, a_staff, b_admin. world.participant_a is provider A's.
Export: the owning provider (admin and staff) and the coordinator. Erasure: the owner's admin and the
coordinator (provider staff 403). The retention page: coordinator only.
"""

LOGIN = "login"

MATRIX = {
    # The access-request export: the owning provider's admins and the coordinator (least privilege: not staff).
    "participants:participant_export_data": ("get", lambda w: [w.participant_a.pk], [LOGIN, 200, 403, 200, 403, 404]),
    "participants:participant_erase": ("get", lambda w: [w.participant_a.pk], [LOGIN, 200, 403, 200, 403, 404]),
    "participants:retention_runs": ("get", lambda w: [], [LOGIN, 200, 403, 403, 403, 403]),
}

# An empty POST to the erasure (no confirmation): allowed roles get the form back (400), nothing changes.
POST_MATRIX = {
    "participants:participant_erase": [LOGIN, 400, 403, 400, 403, 404],
}
