"""A real Celery worker renders agenda PDFs; a broker outage when an agenda is due loses nothing.

SLOW: these tests start real processes (migrate, `celery worker`, WeasyPrint, redis-server) and take about
20-30 s each. Like tests/test_make_run.py, the product runs in subprocesses against its own VAR_DIR:

- database: SQLite in that folder; with DATABASE_URL (CI) a fresh PostgreSQL database on that server, dropped
  afterwards. It is migrated once per module and copied per test (PostgreSQL: CREATE DATABASE … TEMPLATE).
- broker: Celery's filesystem transport; with REDIS_URL (CI) that Redis, in DB 13 with a queue of its own, so
  other tests' messages and concurrent runs cannot interfere. The outage test starts its own redis-server on a
  free port and never touches the shared one.
- e-mail: real SMTP to a small sink in this process, which records the envelope (the invitees are in Bcc and
  would not show in a file or console backend).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import json
import os
import re
import secrets
import signal
import socket
import socketserver
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pypdf import PdfReader

from ..required import require_binary

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 90
# Redis database for test 1 in CI; the suite's other tests use the database of REDIS_URL itself.
WORKER_TEST_REDIS_DB = 13
INVITEES = {"gast@example.org", "traeger-nord@example.org"}
SENDER = "kurse@example.org"  # DEFAULT_FROM_EMAIL: the visible To of every invitation (invitees are in Bcc)


# --- A mail sink that speaks just enough SMTP for Django's backend -----------------------------------------------


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self._reply("220 sink")
        sender, recipients = "", []
        while line := self.rfile.readline():
            verb, _sep, argument = line.decode("utf-8", "replace").strip().partition(" ")
            verb = verb.upper()
            if verb == "QUIT":
                self._reply("221 bye")
                return
            if verb == "MAIL":
                sender, recipients = _address(argument), []
            elif verb == "RCPT":
                recipients.append(_address(argument))
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b".") else chunk)  # undo dot-stuffing
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                self.server.record(Mail(sender, recipients, message))
            self._reply("250 ok")  # EHLO/HELO (no extensions), MAIL, RCPT, DATA done, RSET, NOOP

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


def _address(argument: str) -> str:
    match = re.search(r"<([^>]*)>", argument)
    return match.group(1) if match else argument.partition(":")[2].strip()


class SMTPSink(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self._lock = threading.Lock()
        self._mails: list[Mail] = []

    def record(self, mail: Mail) -> None:
        with self._lock:
            self._mails.append(mail)

    @property
    def mails(self) -> list[Mail]:
        with self._lock:
            return list(self._mails)


@pytest.fixture
def smtp_sink():
    sink = SMTPSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.shutdown()
        sink.server_close()


# --- Databases ------------------------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(server_url: str, statement: str, *names: str) -> None:
    import psycopg
    from psycopg import sql

    query = sql.SQL(statement).format(*(sql.Identifier(name) for name in names))
    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as connection:
        connection.execute(query)


def _base_env(var_dir: Path, database_url: str) -> dict[str, str]:
    """The environment of every subprocess. Set explicitly so that a developer's `.env` cannot leak in."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(
        VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        REDIS_URL="",
        MEDIA_ROOT=str(var_dir / "media"),
        EMAIL_URL="dummymail://",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        # The sweep publishes due agendas only from this hour on; the tests are about outages, not the hour, so
        # they publish at any time of day (a suite run at 05:15 must pass as one at 14:00).
        AGENDA_PUBLISH_HOUR="0",
        # Like `make run`: the coordinator's page is reached with the password alone (no two-factor code step).
        TWO_FACTOR_REQUIRED="false",
    )
    return env


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    """A migrated database that each test copies (migrate takes 10-15 s; once per module is enough)."""
    folder = tmp_path_factory.mktemp("migrated")
    server = os.environ.get("DATABASE_URL", "")
    template = f"diepholz_worker_{secrets.token_hex(4)}_template"
    if server:
        _pg_admin(server, "CREATE DATABASE {}", template)
        url = _with_database(server, template)
    else:
        url = f"sqlite:///{folder / 'db.sqlite3'}"
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=_base_env(folder, url),
            check=True,
            timeout=180,
        )
        yield url
    finally:
        if server:
            _pg_admin(server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", template)


# --- The product in subprocesses ----------------------------------------------------------------------------------

MEETING_COLUMNS = [
    "status", "agenda_pdf_state", "agenda_pdf", "agenda_pdf_generated_at", "invitations_sent_at",
    "minutes_pdf_state", "minutes_sent_at", "change_notice_pending", "starts_at",
]  # fmt: skip
MEETING_ROW = (
    "SELECT status, agenda_pdf_state, agenda_pdf, agenda_pdf_generated_at, invitations_sent_at, minutes_pdf_state,"
    " minutes_sent_at, change_notice_pending, starts_at FROM meetings_meeting WHERE id = %s"
)


@dataclass
class Product:
    var_dir: Path
    database_url: str
    env: dict[str, str]
    cleanup: contextlib.ExitStack
    token: str = field(default_factory=lambda: f"worker-test-{secrets.token_hex(4)}")  # worker (and queue) name
    queue: str = ""  # on a shared Redis: a queue of our own, named like the worker
    worker_log: Path | None = None

    def manage(self, code: str, **params) -> tuple[dict, str]:
        """Run `code` in `manage.py shell`; it prints `RESULT <json>`. Returns that JSON and the stderr."""
        preamble = f"import json\nPARAMS = json.loads({json.dumps(params)!r})\n"
        if self.queue:
            preamble += f"from diepholz_coord.celery import app\napp.conf.task_default_queue = {self.queue!r}\n"
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", preamble + textwrap.dedent(code)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode:
            pytest.fail(f"manage.py shell failed:\n{result.stdout}\n{result.stderr}")
        lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
        assert lines, f"no RESULT line:\n{result.stdout}\n{result.stderr}"
        return json.loads(lines[-1].removeprefix("RESULT ")), result.stderr

    def start_worker(self) -> None:
        node = f"{self.token}@%h"
        command = [sys.executable, "-m", "celery", "-A", "diepholz_coord", "worker", "--concurrency=1"]
        command += ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", node]
        if self.queue:
            command += ["-Q", self.queue]
        self.worker_log = self.var_dir / "worker.log"
        with self.worker_log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.cleanup.callback(_stop, process)

    def worker_output(self) -> str:
        return self.worker_log.read_text(errors="replace") if self.worker_log else "(no worker started)"

    def meeting(self, pk: int) -> dict:
        """A meeting's row, read directly (no Django in this process talks to the product's database)."""
        if self.database_url.startswith("sqlite"):
            path = self.database_url.removeprefix("sqlite:///")
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
                row = connection.execute(MEETING_ROW.replace("%s", "?"), [pk]).fetchone()
        else:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as connection:
                row = connection.execute(MEETING_ROW, [pk]).fetchone()
        return dict(zip(MEETING_COLUMNS, row, strict=True))

    def wait_for(self, predicate, what: str, timeout: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.25)
        pytest.fail(f"timed out after {timeout} s waiting for {what}; worker output:\n{self.worker_output()[-6000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _drop_redis_leftovers(redis_url: str, token: str) -> None:
    """Remove what our queue and worker left in the shared Redis database (never FLUSHDB: others may use it)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"*{token}*"):  # our queue and its binding tables
            client.delete(key)
        for key in client.scan_iter(match="_kombu.binding.*"):  # our worker in shared tables (celery.pidbox)
            for member in client.smembers(key):
                if token.encode() in member:
                    client.srem(key, member)
        # Deadlines of binding tables that no longer exist (what kombu's own sweep would do an hour later).
        for exchange in client.zrange("_kombu.binding_deadlines", 0, -1):
            if not client.exists(b"_kombu.binding." + exchange):
                client.zrem("_kombu.binding_deadlines", exchange)
    finally:
        client.close()


@pytest.fixture
def product(tmp_path, migrated_database, smtp_sink):
    """Builds the product in a fresh VAR_DIR with a copy of the migrated database; stops everything after."""
    with contextlib.ExitStack() as cleanup:

        def build(*, redis_url: str | None = None) -> Product:
            var_dir = tmp_path / "var"
            var_dir.mkdir()
            if migrated_database.startswith("sqlite"):
                database_url = f"sqlite:///{var_dir / 'db.sqlite3'}"
                source = sqlite3.connect(migrated_database.removeprefix("sqlite:///"))
                target = sqlite3.connect(var_dir / "db.sqlite3")
                with contextlib.closing(source), contextlib.closing(target):
                    source.backup(target)  # a consistent copy, whatever is still in the WAL file
            else:
                name = f"diepholz_worker_{secrets.token_hex(4)}"
                template = urllib.parse.urlsplit(migrated_database).path.lstrip("/")
                _pg_admin(migrated_database, "CREATE DATABASE {} TEMPLATE {}", name, template)
                cleanup.callback(_pg_admin, migrated_database, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
                database_url = _with_database(migrated_database, name)
            env = _base_env(var_dir, database_url)
            env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_sink.server_address[1]}"
            app = Product(var_dir=var_dir, database_url=database_url, env=env, cleanup=cleanup)
            if redis_url is None and os.environ.get("REDIS_URL"):
                # CI: the shared Redis, in a database of its own and with a queue of its own.
                redis_url = _with_database(os.environ["REDIS_URL"], str(WORKER_TEST_REDIS_DB))
                app.queue = app.token
                env["CELERY_QUEUE"] = app.token  # also what the worker itself enqueues (PDFs after publishing)
                cleanup.callback(_drop_redis_leftovers, redis_url, app.token)
            env["REDIS_URL"] = redis_url or ""
            return app

        yield build


SETUP = """
    import datetime

    from django.utils import timezone

    from meetings.models import Meeting
    from tests import factories
    from tests.meetings.factories import MeetingSeriesFactory

    coordinator = factories.coordinator("koordination-test")
    guest = factories.UserFactory(username="gast", email="gast@example.org")
    provider = factories.ProviderFactory(name="Träger Nord", email="traeger-nord@example.org")
    ids = {}
    starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)
    for name in PARAMS["series"]:
        series = MeetingSeriesFactory(name=name)
        series.invited_users.add(guest)
        series.invited_providers.add(provider)
        meeting = Meeting.objects.create(
            series=series,
            occurrence=starts.date(),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            location=series.location,
            agenda_due_on=timezone.localdate(),  # due today
        )
        ids[name] = meeting.pk
    print("RESULT", json.dumps({"meetings": ids, "coordinator": coordinator.username, "day": str(starts.date())}))
"""


SWEEP = """
    import datetime

    from meetings import services

    now = datetime.datetime.fromisoformat(PARAMS["now"]) + datetime.timedelta(minutes=PARAMS["minutes_later"])
    print("RESULT", json.dumps(services.background_sweep(now=now)))
"""


def _check_invitation(mail: Mail, series_name: str, pdf_path: Path, day: str) -> None:
    assert set(mail.recipients) == INVITEES | {SENDER}
    assert mail.message["Bcc"] is None, "invitees must not see each other's addresses"
    assert series_name in mail.message["Subject"]
    attachments = list(mail.message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"Tagesordnung-{day}.pdf"]
    assert attachments[0].get_content() == pdf_path.read_bytes()


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


# --- 1. The PDF end to end -------------------------------------------------------------------------------------


def test_worker_renders_published_agenda_and_sends_invitations(product, smtp_sink):
    """SLOW (~20 s): publish → on_commit enqueues → a real `celery worker` renders the PDF and mails it."""
    app = product()
    app.start_worker()  # starts while the meeting is set up
    series_name = "Trägerrunde Worker-Test"
    created, _log = app.manage(SETUP, series=[series_name])
    meeting_id = created["meetings"][series_name]

    published, _log = app.manage(
        """
        from meetings import services
        from meetings.models import Meeting

        published = services.agenda_publish(meeting=Meeting.objects.get(pk=PARAMS["meeting"]))
        print("RESULT", json.dumps({"published": published}))
        """,
        meeting=meeting_id,
    )
    assert published == {"published": True}
    assert app.meeting(meeting_id)["status"] == "published"

    # The invitation is claimed (invitations_sent_at) before it is sent: wait for the task to finish as well.
    succeeded = re.compile(r"Task meetings\.tasks\.render_agenda_pdf\[[0-9a-f-]+\] succeeded")
    app.wait_for(
        lambda: app.meeting(meeting_id)["invitations_sent_at"] is not None and succeeded.search(app.worker_output()),
        "the PDF and the invitations",
    )
    row = app.meeting(meeting_id)
    assert row["agenda_pdf_state"] == "ready"
    output = app.worker_output()
    assert re.search(r"Task meetings\.tasks\.render_agenda_pdf\[[0-9a-f-]+\] succeeded", output)
    if app.env["REDIS_URL"]:  # CI: Redis, in its own database
        assert re.search(rf"transport: +redis://\S+/{WORKER_TEST_REDIS_DB}\n", output), output[:3000]
    else:  # locally: the filesystem broker, with its exchange tables under VAR_DIR (not the working directory)
        assert re.search(r"transport: +filesystem://", output), output[:3000]
        assert (app.var_dir / "celery" / "control" / "celery.pidbox.exchange").exists()

    pdf_path = app.var_dir / "media" / row["agenda_pdf"]
    text = _pdf_text(pdf_path)
    assert "Tagesordnung" in text
    assert series_name in text
    assert len(smtp_sink.mails) == 1
    _check_invitation(smtp_sink.mails[0], series_name, pdf_path, created["day"])


# --- 2. Every other task through the broker --------------------------------------------------------------------


def test_the_scheduled_tasks_the_minutes_and_the_change_notice_run_through_a_real_worker(product, smtp_sink):
    """SLOW (~30 s): the beat's tasks (plan_meetings, publish_due_agendas, sweep) sent by name through the broker
    as beat sends them, then the minutes (render_minutes_pdf, which mails them) and a change notice
    (send_change_notice), each run by a real `celery worker`."""
    app = product()
    app.start_worker()
    moved_name, final_name = "Trägerrunde Verschoben", "Trägerrunde Protokoll"
    created, _log = app.manage(SETUP, series=[moved_name, final_name])
    moved, final = created["meetings"][moved_name], created["meetings"][final_name]

    app.manage(
        """
        from diepholz_coord.celery import app as celery

        for name in ("meetings.tasks.plan_meetings", "meetings.tasks.publish_due_agendas", "meetings.tasks.sweep"):
            celery.send_task(name)
        print("RESULT", json.dumps({}))
        """
    )
    for task in ("plan_meetings", "publish_due_agendas", "sweep"):
        done = re.compile(rf"Task meetings\.tasks\.{task}\[[0-9a-f-]+\] succeeded")
        app.wait_for(lambda done=done: done.search(app.worker_output()), f"the task {task}")
    app.wait_for(
        lambda: all(app.meeting(pk)["invitations_sent_at"] is not None for pk in (moved, final)),
        "both agendas published by publish_due_agendas, rendered and sent",
    )

    # A published meeting moved by a day: the invitees are told (send_change_notice).
    app.manage(
        """
        import datetime

        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from meetings import services
        from meetings.models import Meeting

        meeting = Meeting.objects.get(pk=PARAMS["meeting"])
        starts = timezone.localtime(meeting.starts_at) + datetime.timedelta(days=1)
        services.meeting_update(
            meeting=meeting, actor=get_user_model().objects.get(username=PARAMS["coordinator"]), day=starts.date(),
            start=starts.time(), end=(starts + datetime.timedelta(hours=2)).time(), location=meeting.location,
            moved_reason="Raum belegt", cancelled=False,
        )
        print("RESULT", json.dumps({}))
        """,
        meeting=moved,
        coordinator=created["coordinator"],
    )  # fmt: skip
    app.wait_for(lambda: not app.meeting(moved)["change_notice_pending"], "the change notice")

    # The other meeting took place: attendance of every invitee, minutes finalised, PDF rendered and mailed.
    app.manage(
        """
        import datetime

        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from meetings import selectors, services
        from meetings.models import Meeting

        coordinator = get_user_model().objects.get(username=PARAMS["coordinator"])
        starts = timezone.now() - datetime.timedelta(hours=3)
        ends = starts + datetime.timedelta(hours=2)
        Meeting.objects.filter(pk=PARAMS["meeting"]).update(starts_at=starts, ends_at=ends)
        meeting = Meeting.objects.get(pk=PARAMS["meeting"])
        statuses = {(kind, obj.pk): "present" for kind, obj in selectors.invitees(meeting)}
        services.attendance_save(meeting=meeting, actor=coordinator, statuses=statuses)
        services.minutes_finalise(meeting=Meeting.objects.get(pk=PARAMS["meeting"]), actor=coordinator)
        print("RESULT", json.dumps({}))
        """,
        meeting=final,
        coordinator=created["coordinator"],
    )  # fmt: skip
    app.wait_for(lambda: app.meeting(final)["minutes_sent_at"] is not None, "the minutes PDF and its mail")
    assert app.meeting(final)["minutes_pdf_state"] == "ready"
    output = app.worker_output()
    for task in ("render_agenda_pdf", "send_change_notice", "render_minutes_pdf"):
        assert re.search(rf"Task meetings\.tasks\.{task}\[[0-9a-f-]+\] succeeded", output), task
    subjects = sorted(mail.message["Subject"] for mail in smtp_sink.mails)
    assert len(subjects) == 4, subjects  # two invitations, one change notice, one set of minutes
    assert sum(moved_name in subject for subject in subjects) == 2
    assert sum(final_name in subject for subject in subjects) == 2
    assert all(set(mail.recipients) == INVITEES | {SENDER} for mail in smtp_sink.mails)


# --- 3. Broker outage when an agenda is due ------------------------------------------------------------------------


def test_broker_outage_on_publishing_day_is_finished_by_the_sweep(product, smtp_sink, tmp_path):
    """SLOW (~25 s): while the broker is down the web works and publishing stays "pending"; the sweep then
    queues the PDFs to a real worker, and each meeting's invitation goes out exactly once."""
    redis_server = require_binary("redis-server", package="redis-server")  # the throwaway broker
    port = _free_port()  # nothing listens here until the broker "comes back"
    app = product(redis_url=f"redis://127.0.0.1:{port}/0")
    by_hand, by_beat = "Trägerrunde Ausfall (von Hand)", "Aktionsbündnis Ausfall (Beat)"
    created, _log = app.manage(SETUP, series=[by_hand, by_beat])
    meetings = created["meetings"]

    # The broker is down: the coordinator publishes one agenda by hand; the sweep publishes the other (due today).
    outage, log = app.manage(
        """
        import time

        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone

        from meetings import services

        client = Client()
        client.force_login(get_user_model().objects.get(username=PARAMS["coordinator"]))
        page = client.get(reverse("meetings:meeting_detail", args=[PARAMS["by_hand"]]))
        health = client.get(reverse("healthz"))
        started = time.monotonic()
        publish = client.post(reverse("meetings:meeting_publish", args=[PARAMS["by_hand"]]), {"confirm": "1"})
        publish_seconds = time.monotonic() - started
        after = client.get(publish["Location"])
        now = timezone.now()  # the test's clock: the later sweeps run 11 and 22 minutes after this one
        started = time.monotonic()
        swept = services.background_sweep(now=now)
        print("RESULT", json.dumps({
            "now": now.isoformat(),
            "page": page.status_code,
            "health": [health.status_code, health.json()],
            "publish": [publish.status_code, publish["Location"], publish_seconds],
            "after": [after.status_code, 'role="status"' in after.content.decode()],
            "sweep": [swept, time.monotonic() - started],
        }))
        """,
        coordinator=created["coordinator"],
        by_hand=meetings[by_hand],
    )
    assert outage["page"] == 200
    assert outage["health"] == [503, {"status": "error", "database": "ok", "broker": "error"}]
    status, location, publish_seconds = outage["publish"]
    assert (status, location) == (302, f"/sitzungen/{meetings[by_hand]}/")
    assert publish_seconds < 10, "publishing must not hang on a dead broker"
    assert outage["after"] == [200, True], "the meeting page says the PDF is being generated"
    swept, sweep_seconds = outage["sweep"]
    assert swept == {"published": 1, "requeued": 0, "mailed": 0}
    assert sweep_seconds < 10
    assert log.count("could not queue meetings.tasks.render_agenda_pdf") == 2
    for pk in meetings.values():
        row = app.meeting(pk)
        assert (row["status"], row["agenda_pdf_state"], row["invitations_sent_at"]) == ("published", "pending", None)
    assert smtp_sink.mails == []

    # The broker comes back, a worker starts; the sweep re-queues what has been pending longer than 10 minutes.
    broker_log = (tmp_path / "redis.log").open("wb")
    app.cleanup.callback(broker_log.close)
    broker = subprocess.Popen(
        [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        env=_without_faketime(os.environ),
        stdout=broker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    app.cleanup.callback(_stop, broker)
    app.wait_for(lambda: _answers(port), "the throwaway redis-server", timeout=20)
    app.start_worker()
    swept, _log = app.manage(SWEEP, now=outage["now"], minutes_later=11)
    assert swept == {"published": 0, "requeued": 2, "mailed": 0}

    def all_sent() -> bool:
        # Claimed before sending: the mails themselves must have arrived too.
        claimed = all(app.meeting(pk)["invitations_sent_at"] is not None for pk in meetings.values())
        return claimed and len(smtp_sink.mails) >= 2

    app.wait_for(all_sent, "both PDFs and invitations after the outage")
    mails = smtp_sink.mails
    assert len(mails) == 2
    for name, pk in meetings.items():
        row = app.meeting(pk)
        assert row["agenda_pdf_state"] == "ready"
        pdf_path = app.var_dir / "media" / row["agenda_pdf"]
        assert name in _pdf_text(pdf_path)
        (mail,) = [m for m in mails if name in m.message["Subject"]]
        _check_invitation(mail, name, pdf_path, created["day"])

    # Exactly once: another sweep sends nothing, and a duplicate render task (e.g. redelivered after a worker
    # crash) replaces the PDF without mailing again.
    swept, _log = app.manage(SWEEP, now=outage["now"], minutes_later=22)
    assert swept == {"published": 0, "requeued": 0, "mailed": 0}
    app.manage(
        """
        from meetings import tasks

        tasks.render_agenda_pdf.delay(PARAMS["meeting"])
        print("RESULT", json.dumps(True))
        """,
        meeting=meetings[by_beat],
    )
    succeeded = re.compile(r"Task meetings\.tasks\.render_agenda_pdf\[[0-9a-f-]+\] succeeded")
    app.wait_for(lambda: len(succeeded.findall(app.worker_output())) == 3, "the duplicate render task")
    assert len(smtp_sink.mails) == 2
    assert len(list((app.var_dir / "media" / "meetings" / "agendas").glob("*.pdf"))) == 2, "old PDF is removed"


def _without_faketime(environ) -> dict[str, str]:
    """The environment for the throwaway broker without libfaketime: a suite run under `faketime` (to show it
    passes at any hour) fakes the product's clock, and redis-server aborts on start when it is preloaded."""
    return {k: v for k, v in environ.items() if k not in {"LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE"}}


def _answers(port: int) -> bool:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False
    finally:
        client.close()
