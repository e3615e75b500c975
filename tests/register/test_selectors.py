"""Reads of the register: search and filter, the diff of two versions, the Aktionsbündnis agenda's data."""

import datetime
import json

import pytest

from register import selectors
from register.models import WorkflowVersion

from .helpers import TODAY, actor, alliance_meeting, department, make_workflow, new_version, step

pytestmark = pytest.mark.django_db


def titles(versions):
    return [v.workflow.title for v in versions]


def test_search_and_filter(world):
    coordinator = world.users.coordinator
    jugend, schule, jobcenter = department(), department("schule", "Fachdienst Schule"), actor()
    make_workflow(coordinator, title="Familie kommt an", steps=[step("Schule zuweisen", schule)])
    make_workflow(
        coordinator,
        title="Kurs fällt aus",
        trigger="Die Lehrkraft ist krank.",
        steps=[step("Ersatz suchen", world.provider_a, kind="provider", description="Im Nachbarort")],
    )
    make_workflow(coordinator, title="Abbruch droht", steps=[step("Gespräch", jobcenter, kind="actor")])
    old = make_workflow(coordinator, title="Alt", steps=[step("Kita fragen", jugend)])
    new_version(coordinator, old.workflow, steps=[step("Anders", schule)], valid_from=TODAY)

    def search(q="", responsible=None):
        return titles(selectors.workflow_list(user=world.users.a_staff, today=TODAY, q=q, responsible=responsible))

    assert search() == ["Abbruch droht", "Alt", "Familie kommt an", "Kurs fällt aus"]
    assert search("FAMILIE") == ["Familie kommt an"]  # title, ignoring case
    assert search("lehrkraft") == ["Kurs fällt aus"]  # trigger
    assert search("nachbarort") == ["Kurs fällt aus"]  # step description
    assert search("gespräch") == ["Abbruch droht"]  # step title
    assert search("jobcenter") == ["Abbruch droht"]  # responsible's name
    assert search("träger a") == ["Kurs fällt aus"]  # provider's name
    assert search("kita") == []  # only in the old version of "Alt"
    assert search(responsible=("department", schule.pk)) == ["Alt", "Familie kommt an"]
    assert search(responsible=("department", jugend.pk)) == []
    assert search(responsible=("provider", world.provider_a.pk)) == ["Kurs fällt aus"]
    assert search(responsible=("actor", jobcenter.pk)) == ["Abbruch droht"]
    assert search("schule", responsible=("department", schule.pk)) == ["Alt", "Familie kommt an"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("department:3", ("department", 3)),
        ("provider:12", ("provider", 12)),
        ("actor:1", ("actor", 1)),
        ("department:", None),
        ("department:-3", None),
        ("department:٣", None),
        (" department:3", None),
        ("user:3", None),
        ("department:3:4", None),
        ("department:1234567890123", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_responsible_is_strict(value, expected):
    assert selectors.parse_responsible(value) == expected


def versions_with_steps(world, old_steps, new_steps, *, old_trigger="Eine Familie kommt an.", new_trigger=None):
    coordinator = world.users.coordinator
    first = make_workflow(coordinator, steps=old_steps, trigger=old_trigger, valid_from=TODAY - datetime.timedelta(9))
    new_version(coordinator, first.workflow, steps=new_steps, trigger=new_trigger or old_trigger, valid_from=TODAY)
    workflow = selectors.workflow_get_for_user(user=coordinator, pk=first.workflow_id)
    return selectors.version_of(workflow, 1), selectors.version_of(workflow, 2)


def test_diff_added_removed_changed_unchanged(world):
    jugend, schule, jobcenter = department(), department("schule", "Fachdienst Schule"), actor()
    old, new = versions_with_steps(
        world,
        [
            step("Ankunft melden", jugend),
            step("Schule zuweisen", schule, description="nach Wohnort"),
            step("Sprachkurs für Eltern", jobcenter, kind="actor"),
            step("Dolmetscher bestellen", jugend),
        ],
        [
            step("Ankunft melden", jugend),
            step("Schule zuweisen", schule, description="nach Wohnort und freien Plätzen"),
            step("Kita-Platz klären", jugend),
            step("Sprachkurse für Eltern", world.provider_a, kind="provider"),
        ],
        new_trigger="Eine Familie mit Kindern kommt an.",
    )
    diff = selectors.version_diff(old, new)
    trigger, summary = diff["fields"]
    assert trigger["changed"] and not summary["changed"]
    assert {"op": "insert", "text": "mit Kindern "} in trigger["diff"] or any(
        s["op"] == "insert" and "Kindern" in s["text"] for s in trigger["diff"]
    )
    rows = [(r["status"], (r["new"] or r["old"]).title) for r in diff["steps"]]
    assert rows == [
        ("unchanged", "Ankunft melden"),
        ("changed", "Schule zuweisen"),
        ("added", "Kita-Platz klären"),
        ("changed", "Sprachkurse für Eltern"),  # renamed and moved to another responsible
        ("removed", "Dolmetscher bestellen"),
    ]
    assert diff["counts"] == {"added": 1, "removed": 1, "changed": 2, "unchanged": 1}
    school = {f["name"]: f for f in diff["steps"][1]["fields"]}
    assert not school["title"]["changed"] and school["description"]["changed"]
    assert school["description"]["old"] == "nach Wohnort"
    assert school["description"]["new"] == "nach Wohnort und freien Plätzen"
    assert [s for s in school["description"]["diff"] if s["op"] != "equal"] == [
        {"op": "insert", "text": " und freien Plätzen"}
    ]
    parents = {f["name"]: f for f in diff["steps"][3]["fields"]}
    assert parents["responsible"]["old"] == "Jobcenter (Test)" and parents["responsible"]["new"] == "Träger A"
    assert parents["position"]["old"] == "3" and parents["position"]["new"] == "4"
    assert parents["title"]["changed"]


def test_diff_of_identical_versions_is_all_unchanged(world):
    jugend = department()
    old, new = versions_with_steps(
        world, [step("A", jugend), step("B", jugend)], [step("A", jugend), step("B", jugend)]
    )
    diff = selectors.version_diff(old, new)
    assert [r["status"] for r in diff["steps"]] == ["unchanged", "unchanged"]
    assert not any(f["changed"] for f in diff["fields"])


def test_workflows_for_agenda(world):
    coordinator = world.users.coordinator
    previous = alliance_meeting(TODAY - datetime.timedelta(days=90))
    latest = alliance_meeting(TODAY - datetime.timedelta(days=7))
    old = make_workflow(coordinator, title="Alt", decided_in=previous, valid_from=TODAY - datetime.timedelta(days=80))
    due = make_workflow(
        coordinator,
        title="Bald prüfen",
        valid_from=TODAY - datetime.timedelta(days=200),
        review_by=TODAY + datetime.timedelta(days=30),
    )
    overdue = make_workflow(
        coordinator,
        title="Überfällig",
        valid_from=TODAY - datetime.timedelta(days=400),
        review_by=TODAY - datetime.timedelta(days=1),
    )
    later = make_workflow(
        coordinator,
        title="Später prüfen",
        valid_from=TODAY - datetime.timedelta(days=10),
        review_by=TODAY + datetime.timedelta(days=31),
    )
    changed = new_version(
        coordinator,
        old.workflow,
        decided_in=latest,
        decided_item=latest.workflow_item,
        valid_from=TODAY + datetime.timedelta(days=14),
        change_note="Kita früher beteiligen",
    )

    # When each version was recorded (the service sets created_at to now).
    def recorded(version, day):
        at = datetime.datetime.combine(day, datetime.time(16), tzinfo=datetime.UTC)
        WorkflowVersion.objects.filter(pk=version.pk).update(created_at=at)

    recorded(old, previous.starts_at.date())
    recorded(due, TODAY - datetime.timedelta(days=200))
    recorded(overdue, TODAY - datetime.timedelta(days=400))
    recorded(changed, latest.starts_at.date())
    recorded(later, TODAY - datetime.timedelta(days=10))

    # Since the previous agenda was published (a day after the previous meeting's versions were recorded here).
    since = datetime.datetime.combine(TODAY - datetime.timedelta(days=89), datetime.time(0), tzinfo=datetime.UTC)
    data = selectors.workflows_for_agenda(since=since, today=TODAY)
    json.dumps(data)  # serialisable as it is
    assert data["changed"] == [
        {
            "title": "Später prüfen",
            "version": 1,
            "valid_from": (TODAY - datetime.timedelta(days=10)).isoformat(),
            "decided_on": None,
            "change_note": "",
            "url": f"/zustaendigkeiten/{later.workflow_id}/fassung/1/",
        },
        {
            "title": "Alt",
            "version": 2,
            "valid_from": "2026-06-29",
            "decided_on": "2026-06-08",
            "change_note": "Kita früher beteiligen",
            "url": f"/zustaendigkeiten/{old.workflow_id}/fassung/2/",
        },
    ]
    # Version 2 of "Alt" applies later: its version 1 is current (review a year after 2026-03-27: not due).
    assert data["due_for_review"] == [
        {"title": "Überfällig", "version": 1, "review_by": "2026-06-14", "overdue": True,
         "url": f"/zustaendigkeiten/{overdue.workflow_id}/"},
        {"title": "Bald prüfen", "version": 1, "review_by": "2026-07-15", "overdue": False,
         "url": f"/zustaendigkeiten/{due.workflow_id}/"},
    ]  # fmt: skip
    everything = selectors.workflows_for_agenda(since=None, today=TODAY)
    assert [c["title"] for c in everything["changed"]] == ["Überfällig", "Bald prüfen", "Alt", "Später prüfen", "Alt"]
    # Nothing recorded after `today` counts.
    assert selectors.workflows_for_agenda(since=None, today=TODAY - datetime.timedelta(days=300))["changed"] == [
        everything["changed"][0]
    ]


def test_workflows_for_agenda_query_count(world, django_assert_num_queries):
    coordinator = world.users.coordinator
    make_workflow(coordinator, title="Eins", review_by=TODAY)
    noon = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC)
    WorkflowVersion.objects.update(created_at=noon)
    with django_assert_num_queries(2):
        selectors.workflows_for_agenda(since=None, today=TODAY)
    for n in range(5):
        make_workflow(coordinator, title=f"Mehr {n}", review_by=TODAY)
    WorkflowVersion.objects.update(created_at=noon)
    with django_assert_num_queries(2):
        data = selectors.workflows_for_agenda(since=None, today=TODAY)
    assert len(data["changed"]) == len(data["due_for_review"]) == 6


def test_changed_means_recorded_after_the_previous_agenda_was_published(world):
    """A version recorded after the previous agenda went out (but before that meeting) is news for the next one."""
    from meetings.agenda import previous_agenda_time

    coordinator = world.users.coordinator
    previous = alliance_meeting(TODAY - datetime.timedelta(days=30))
    previous.agenda_published_at = previous.starts_at - datetime.timedelta(days=14)
    previous.save()
    coming = alliance_meeting(TODAY + datetime.timedelta(days=60), status="planned")
    coming.series = previous.series
    coming.save()
    between = make_workflow(coordinator, title="Zwischen Tagesordnung und Sitzung", valid_from=TODAY)
    before = make_workflow(coordinator, title="Vor der Tagesordnung", valid_from=TODAY)
    WorkflowVersion.objects.filter(pk=between.pk).update(created_at=previous.starts_at - datetime.timedelta(days=3))
    WorkflowVersion.objects.filter(pk=before.pk).update(created_at=previous.starts_at - datetime.timedelta(days=20))
    data = selectors.workflows_for_agenda(since=previous_agenda_time(coming), today=TODAY)
    assert [row["title"] for row in data["changed"]] == ["Zwischen Tagesordnung und Sitzung"]
