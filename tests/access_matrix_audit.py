"""Access matrix entries for the audit trail (format of MATRIX in test_access_matrix.py): the coordinator only.

Roles in order: anonymous, coordinator, county, a_admin, a_staff, b_admin.
"""

LOGIN = "login"

MATRIX = {
    "audit_log": ("get", lambda w: [], [LOGIN, 200, 403, 403, 403, 403]),
    "audit_export": ("get", lambda w: [], [LOGIN, 200, 403, 403, 403, 403]),
}
