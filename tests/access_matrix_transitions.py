"""Access matrix entries for handovers (format of MATRIX in test_access_matrix.py).

Roles: anonymous, coordinator, county, a_admin, a_staff, b_admin. The handover moves provider A's participant
to another course of provider A: provider B is neither sender nor receiver and gets 404.
"""

LOGIN = "login"


def handover_a(world):
    from tests import factories
    from transitions import services

    course = factories.CourseFactory(provider=world.provider_a, title="Anschlusskurs A")
    return services.handover_propose(actor=world.users.a_admin, participant=world.participant_a, to_course=course)


MATRIX = {
    "transitions:handover_list": ("get", lambda w: [], [LOGIN, 200, 403, 200, 200, 200]),
    # Without ?teilnehmende=… there is nobody to hand over: 404 for everyone who may propose.
    "transitions:handover_create": ("get", lambda w: [], [LOGIN, 404, 403, 404, 404, 404]),
    "transitions:handover_detail": ("get", lambda w: [handover_a(w).pk], [LOGIN, 200, 403, 200, 200, 404]),
    "transitions:handover_checklist": ("get", lambda w: [handover_a(w).pk], [LOGIN, 200, 403, 200, 200, 404]),
    "transitions:handover_step": (
        "post",
        lambda w: [handover_a(w).pk, "anbieten"],
        [LOGIN, 302, 403, 302, 302, 404],
    ),
    # Only the coordination records the meeting a handover was agreed in (an empty choice: "none").
    "transitions:handover_agreed_in": ("post", lambda w: [handover_a(w).pk], [LOGIN, 302, 403, 403, 403, 404]),
    "transitions:ending_course_list": ("get", lambda w: [], [LOGIN, 200, 403, 200, 200, 200]),
    "transitions:ending_course_detail": ("get", lambda w: [w.course_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
}

POST_MATRIX = {
    "transitions:handover_checklist": [LOGIN, 302, 403, 302, 302, 404],
}
