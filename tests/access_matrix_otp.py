"""Access matrix entries for the two-factor login pages: same format as MATRIX in test_access_matrix.py.

Roles in order: anonymous, coordinator, county, a_admin, a_staff, b_admin. The matrix logs in with force_login and
TWO_FACTOR_REQUIRED off (tests/conftest.py), so nobody has a device or a verified session: the code step and the
recovery codes send them on to the setup, which every logged-in user may open (it concerns only their own account).
Their POSTs act on the user's own account only (like the language switch); the flows themselves, with the
setting on, are in tests/test_two_factor.py.
"""

LOGIN = "login"

MATRIX = {
    "two_factor_verify": ("get", lambda w: [], [LOGIN, 302, 302, 302, 302, 302]),
    "two_factor_setup": ("get", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    "two_factor_recovery_codes": ("get", lambda w: [], [LOGIN, 302, 302, 302, 302, 302]),
}
