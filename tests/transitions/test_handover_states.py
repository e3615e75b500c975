"""The handover state machine: every status pair is either allowed (and works) or refused with a clear
message and no change — table-driven over all pairs."""

import itertools

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from courses.models import Course
from participants.models import Enrollment
from transitions import services
from transitions.models import Handover, HandoverStep

from .. import factories

S = Handover.Status
ALL = list(S.values)
# The rule written out here, not read from the product (a wrong table there must fail this test): a handover is
# proposed → offered → accepted → started; it may be withdrawn while open, declined once offered or accepted (the
# placement test on the first day may show another level), and an accepted person may not come (no-show).
ALLOWED_PAIRS = {
    (S.PROPOSED, S.OFFERED),
    (S.PROPOSED, S.WITHDRAWN),
    (S.OFFERED, S.ACCEPTED),
    (S.OFFERED, S.DECLINED),
    (S.OFFERED, S.WITHDRAWN),
    (S.ACCEPTED, S.STARTED),
    (S.ACCEPTED, S.WITHDRAWN),
    (S.ACCEPTED, S.NO_SHOW),
    (S.ACCEPTED, S.DECLINED),
}


def test_the_products_table_is_the_rule():
    assert {(a, b) for a, targets in services.ALLOWED.items() for b in targets} == ALLOWED_PAIRS
    assert set(services.ALLOWED) == set(ALL)


def make_handover(world, status):
    """A handover of Amira (provider A) to provider B's course, brought into `status` through the services."""
    factories.ConsentFactory(participant=world.participant_a, recipient=world.provider_b)
    factories.report(world.course_b, 3)
    handover = services.handover_propose(
        actor=world.users.a_admin, participant=world.participant_a, to_course=world.course_b
    )
    path = {
        S.PROPOSED: [],
        S.OFFERED: [S.OFFERED],
        S.ACCEPTED: [S.OFFERED, S.ACCEPTED],
        S.STARTED: [S.OFFERED, S.ACCEPTED, S.STARTED],
        S.DECLINED: [S.OFFERED, S.DECLINED],
        S.WITHDRAWN: [S.WITHDRAWN],
        S.NO_SHOW: [S.OFFERED, S.ACCEPTED, S.NO_SHOW],
    }[status]
    for step in path:
        do(world, handover, step)
    handover.refresh_from_db()
    assert handover.status == status
    return handover


def begin(course):
    """The course begins today: only then can a start or a no-show be recorded."""
    Course.objects.filter(pk=course.pk).update(start_date=timezone.localdate(), status=Course.Status.RUNNING)


def do(world, handover, status):
    if status in (S.STARTED, S.NO_SHOW):
        begin(handover.to_course)
    actor = world.users.a_admin if status in services.SENDER_STEPS else world.users.b_admin
    if status == S.DECLINED:
        return services.handover_decline(actor=actor, handover=handover, reason="Kurs passt zeitlich nicht")
    return services.STEP_SERVICES[status](actor=actor, handover=handover)


def snapshot(handover):
    handover.refresh_from_db()
    return (
        handover.status,
        handover.due_on,
        handover.to_course_id,
        HandoverStep.objects.filter(handover=handover).count(),
        Enrollment.objects.filter(participant=handover.participant).count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a, b in itertools.product(ALL, ALL) if a != b and b != S.PROPOSED]
)
def test_every_status_pair(world, current, target):
    handover = make_handover(world, current)
    before = snapshot(handover)
    if (current, target) in ALLOWED_PAIRS:
        do(world, handover, target)
        handover.refresh_from_db()
        assert handover.status == target
        assert handover.steps.last().status == target
    else:
        with pytest.raises(ValidationError) as error:
            do(world, handover, target)
        assert "kann nicht" in " ".join(error.value.messages)
        assert snapshot(handover) == before


@pytest.mark.django_db
def test_steps_record_date_and_person(world):
    handover = make_handover(world, S.STARTED)
    steps = list(handover.steps.values_list("status", "by__username"))
    assert steps == [
        (S.PROPOSED, world.users.a_admin.username),
        (S.OFFERED, world.users.a_admin.username),
        (S.ACCEPTED, world.users.b_admin.username),
        (S.STARTED, world.users.b_admin.username),
    ]
    assert all(step.at <= timezone.now() for step in handover.steps.all())


@pytest.mark.django_db
def test_no_acceptance_without_valid_consent(world):
    handover = make_handover(world, S.OFFERED)
    world.participant_a.consents.update(revoked_on=timezone.localdate())
    before = snapshot(handover)
    with pytest.raises(ValidationError, match="keine gültige Einwilligung"):
        services.handover_accept(actor=world.users.b_admin, handover=handover)
    assert snapshot(handover) == before


@pytest.mark.django_db
def test_start_enrols_in_the_receiving_course_and_respects_capacity(world):
    handover = make_handover(world, S.ACCEPTED)
    begin(world.course_b)
    world.course_b.refresh_from_db()
    services.handover_start(actor=world.users.b_admin, handover=handover)
    handover.refresh_from_db()
    assert handover.started_enrollment.course == world.course_b and handover.started_enrollment.status == "enrolled"
    world.course_b.refresh_from_db()
    assert world.course_b.free_places == 2

    full = make_second_accepted_handover_into_full_course(world)
    before = snapshot(full)
    with pytest.raises(ValidationError, match="keinen freien Platz mehr"):
        services.handover_start(actor=world.users.b_admin, handover=full)
    assert snapshot(full) == before


def make_second_accepted_handover_into_full_course(world):
    person = factories.ParticipantFactory(provider=world.provider_a)
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    full_course = factories.CourseFactory(provider=world.provider_b, capacity=5, min_size=1, title="Voller Kurs")
    factories.report(full_course, 1)
    handover = services.handover_propose(actor=world.users.a_admin, participant=person, to_course=full_course)
    services.handover_offer(actor=world.users.a_admin, handover=handover)
    services.handover_accept(actor=world.users.b_admin, handover=handover)
    factories.report(full_course, 0)
    begin(full_course)
    return handover


@pytest.mark.django_db
def test_wrong_side_cannot_take_a_step(world):
    handover = make_handover(world, S.OFFERED)
    before = snapshot(handover)
    with pytest.raises(PermissionDenied):
        services.handover_accept(actor=world.users.a_admin, handover=handover)  # the sender accepting its own offer
    with pytest.raises(PermissionDenied):
        services.handover_withdraw(actor=world.users.b_admin, handover=handover)  # the receiver withdrawing
    assert snapshot(handover) == before


@pytest.mark.django_db
def test_offer_and_answer_send_mail(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        handover = make_handover(world, S.OFFERED)
    assert [m.to for m in mail.outbox] == [sorted({world.provider_b.email, world.users.b_admin.email})]
    assert world.participant_a.code in mail.outbox[0].body and "Haddad" not in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        services.handover_decline(actor=world.users.b_admin, handover=handover, reason="kein Platz am Vormittag")
    assert world.provider_a.email in mail.outbox[1].to
    assert "kein Platz am Vormittag" in mail.outbox[1].body


@pytest.mark.django_db
def test_decline_needs_a_reason(world):
    handover = make_handover(world, S.OFFERED)
    before = snapshot(handover)
    with pytest.raises(ValidationError, match="Grund"):
        services.handover_decline(actor=world.users.b_admin, handover=handover, reason="  ")
    assert snapshot(handover) == before


@pytest.mark.django_db
@pytest.mark.parametrize("step", [S.STARTED, S.NO_SHOW])
def test_start_and_no_show_wait_for_the_course_to_begin(world, step):
    handover = make_handover(world, S.ACCEPTED)
    before = snapshot(handover)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.STEP_SERVICES[step](actor=world.users.b_admin, handover=handover)
    assert error.value.code == "course_not_begun"
    assert f"“Kurs B” only begins on {world.course_b.start_date:%m/%d/%Y}" in error.value.messages[0]
    assert snapshot(handover) == before
    # From the first day of the course on, the step is taken.
    begin(world.course_b)
    services.STEP_SERVICES[step](actor=world.users.b_admin, handover=handover)
    handover.refresh_from_db()
    assert handover.status == step


@pytest.fixture
def broker_down():
    """A real broker connection that fails: Redis on a port where nothing listens, tasks really enqueued."""
    from diepholz_coord.celery import app

    conf = app.conf
    saved = conf.broker_url, conf.task_always_eager, app._pool, app.amqp._producer_pool
    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    app._pool = app.amqp._producer_pool = None  # connection pools are made from the broker URL on first use
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        conf.broker_url, conf.task_always_eager, app._pool, app.amqp._producer_pool = saved


@pytest.mark.django_db
def test_mail_is_sent_in_process_when_the_broker_is_down(
    world, broker_down, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        handover = make_handover(world, S.OFFERED)
    handover.refresh_from_db()
    assert handover.status == S.OFFERED
    assert [m.to for m in mail.outbox] == [sorted({world.provider_b.email, world.users.b_admin.email})]
    assert "broker unreachable" in caplog.text
    step = handover.steps.get(status=S.OFFERED)
    assert step.mail_sent_at is not None


@pytest.mark.django_db
def test_mail_about_a_step_is_sent_once(world, django_capture_on_commit_callbacks):
    from transitions.tasks import send_handover_mail

    with django_capture_on_commit_callbacks(execute=True):
        handover = make_handover(world, S.OFFERED)
    step = handover.steps.get(status=S.OFFERED)
    assert len(mail.outbox) == 1
    # The same task delivered again (e.g. after a worker restart) sends nothing more.
    assert send_handover_mail.apply(args=[handover.pk, step.pk]).get() == 0
    assert len(mail.outbox) == 1
    # A step that needs no e-mail, or one that does not exist (any more), sends nothing.
    proposed = handover.steps.get(status=S.PROPOSED)
    assert send_handover_mail.apply(args=[handover.pk, proposed.pk]).get() == 0
    assert send_handover_mail.apply(args=[handover.pk, 10**9]).get() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_mail_server_outage_gives_the_claim_back_for_the_retry(world, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        handover = make_handover(world, S.OFFERED)
    step = handover.steps.get(status=S.OFFERED)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens: a real refused connection
    with pytest.raises(OSError):
        services.handover_send_mail(handover_id=handover.pk, step_id=step.pk)
    step.refresh_from_db()
    assert step.mail_sent_at is None and not mail.outbox
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.handover_send_mail(handover_id=handover.pk, step_id=step.pk) == 1
    # One mail task was enqueued after the commit (the other callbacks refresh the overview's cached figures).
    mail_tasks = [c for c in callbacks if c.__qualname__.startswith("_notify")]
    assert len(mail_tasks) == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_start_takes_the_place_the_receiver_gave_already(world):
    handover = make_handover(world, S.ACCEPTED)
    begin(world.course_b)
    place = Enrollment.objects.create(participant=world.participant_a, course=world.course_b, status="enrolled")
    services.handover_start(actor=world.users.b_admin, handover=handover)
    handover.refresh_from_db()
    assert handover.status == S.STARTED and handover.started_enrollment == place
    assert Enrollment.objects.filter(participant=world.participant_a, course=world.course_b).count() == 1
