"""Access matrix entries for the participants app: same format as MATRIX in test_access_matrix.py.

Roles in order: anonymous, coordinator, county, a_admin, a_staff, b_admin. Objects are provider A's
(world.participant_a is registered by provider A; provider B has no relation to it).
"""

LOGIN = "login"

MATRIX = {
    "participants:participant_list": ("get", lambda w: [], [LOGIN, 200, 403, 200, 200, 200]),
    "participants:participant_create": ("get", lambda w: [], [LOGIN, 200, 403, 200, 200, 200]),
    "participants:participant_detail": ("get", lambda w: [w.participant_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
    "participants:participant_update": ("get", lambda w: [w.participant_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
    "participants:consent_create": ("get", lambda w: [w.participant_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
    "participants:consent_revoke": ("post", lambda w: [w.consent_a.pk], [LOGIN, 302, 403, 302, 302, 404]),
    "participants:wish_create": ("get", lambda w: [w.participant_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
    "participants:wish_withdraw": ("post", lambda w: [w.wish_a.pk], [LOGIN, 302, 403, 302, 302, 404]),
    "participants:enrollment_create": ("get", lambda w: [w.participant_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
    "participants:enrollment_withdraw": ("post", lambda w: [w.enrollment_a.pk], [LOGIN, 302, 403, 302, 302, 404]),
    "participants:enrollment_complete": ("get", lambda w: [w.enrollment_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
    "participants:participant_audit": ("get", lambda w: [w.participant_a.pk], [LOGIN, 302, 403, 403, 403, 404]),
    "participants:demand": ("get", lambda w: [], [LOGIN, 200, 200, 403, 403, 403]),
}

# Empty POSTs to write endpoints: allowed roles get the form back (400), others 403/404/login; nothing changes.
POST_MATRIX = {
    "participants:participant_create": [LOGIN, 400, 403, 400, 400, 400],
    "participants:participant_update": [LOGIN, 400, 403, 400, 400, 404],
    "participants:consent_create": [LOGIN, 400, 403, 400, 400, 404],
    "participants:wish_create": [LOGIN, 400, 403, 400, 400, 404],
    "participants:enrollment_create": [LOGIN, 400, 403, 400, 400, 404],
    "participants:enrollment_complete": [LOGIN, 400, 403, 400, 400, 404],
}
