"""A real PostgreSQL outage under gunicorn: stopped and restarted while requests run, 0 × 500.

SLOW (~30-45 s): makes a throwaway PostgreSQL cluster (initdb, as the `postgres` OS user when run as root) in a
temporary folder on a free port, migrates it, and serves the product from gunicorn against it, with the
settings of production (CONN_MAX_AGE 60 with health checks, DEBUG off). Client threads send requests, logged in
and anonymous, while the cluster is stopped (`pg_ctl stop -m fast`, which also ends the open connections) and
started again. The shared PostgreSQL of the machine is never touched.

Without PostgreSQL's server binaries the test skips locally, but fails when POSTGRES_REQUIRED or E2E_REQUIRED is
set (as .ci/run sets E2E_REQUIRED), so CI cannot go green without it.
"""

from __future__ import annotations

import collections
import contextlib
import glob
import http.client
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from diepholz_coord.views import HEALTHZ_CACHE_SECONDS

ROOT = Path(__file__).resolve().parents[1]
CLIENT_THREADS = 4
WAIT_SECONDS = 60


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    bin_dir = Path(found[-1]).parent if found else None
    if bin_dir is None and shutil.which("initdb") and shutil.which("pg_ctl"):
        bin_dir = Path(shutil.which("initdb")).parent
    missing = None
    if bin_dir is None:
        missing = "PostgreSQL's server binaries (initdb, pg_ctl; Debian package postgresql)"
    elif os.geteuid() == 0 and not (_has_postgres_account() and shutil.which("runuser")):
        missing = "a `postgres` OS user and runuser (PostgreSQL refuses to run as root)"
    if missing is None:
        return bin_dir
    message = f"needs {missing} for a throwaway cluster"
    if os.environ.get("POSTGRES_REQUIRED") or os.environ.get("E2E_REQUIRED"):
        pytest.fail(f"POSTGRES_REQUIRED/E2E_REQUIRED is set but this test {message}")
    pytest.skip(message + "; set POSTGRES_REQUIRED to fail instead")


def _has_postgres_account() -> bool:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, what: str, log: Path | None = None, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    output = log.read_text(errors="replace")[-4000:] if log else ""
    pytest.fail(f"timed out waiting for {what}\n{output}")


class Cluster:
    """A PostgreSQL cluster of its own: initdb, pg_ctl start/stop. As root, runs as the `postgres` OS user
    (initdb and postgres refuse to run as root)."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(folder, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=WAIT_SECONDS)

    def init(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        # fast: open connections are ended at once, as in a crash or a failover, not waited for.
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def cluster():
    bin_dir = _postgres_bin()
    # Not pytest's tmp_path: its parent is private to root, and the server runs as `postgres`.
    folder = Path(tempfile.mkdtemp(prefix="diepholz-outage-pg-"))
    cluster = Cluster(bin_dir, folder)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


SETUP = textwrap.dedent(
    """
    import json

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.create_superuser("koordination", "k@example.org", "not-used-here")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print("RESULT", json.dumps(session.session_key))
    """
)


@pytest.fixture
def product(cluster, tmp_path):
    """The product migrated into the throwaway cluster and served by gunicorn (2 workers, as `make run`)."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "CONN_MAX_AGE"}}
    env.update(DATABASE_URL=cluster.url, VAR_DIR=str(tmp_path / "var"), DEBUG="false", LOG_LEVEL="INFO")
    # The logged-in pages render (as in `make run`), not the two-factor setup the superuser would be sent to.
    env.update(TWO_FACTOR_REQUIRED="false")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    setup = subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True)
    session_key = json.loads(setup.stdout.decode().rsplit("RESULT ", 1)[1])

    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "diepholz_coord.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--timeout", "30", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_for(lambda: _get(port, "/healthz")[0] == 200, "gunicorn's /healthz", log)
        yield port, session_key, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _get(port: int, path: str, session_key: str | None = None) -> tuple[int | None, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Cookie": f"sessionid={session_key}"} if session_key else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    except OSError:
        return None, {}, ""
    finally:
        connection.close()


# What the client threads ask for: logged-in pages (session and user from the database), anonymous pages.
REQUESTS = [
    ("/", True),
    ("/kurse/", True),
    ("/uebersicht/", True),
    ("/", False),
    ("/accounts/login/", False),
    ("/healthz", False),
]
ALLOWED = {200, 302, 503}


def test_postgresql_stopped_and_restarted_under_load_gives_503_never_500_and_recovers(cluster, product):
    port, session_key, log = product
    results: list[tuple[float, str, int | None]] = []
    outage_pages: list[tuple[dict[str, str], str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(offset: int) -> None:
        index = offset
        while not stop.is_set():
            path, logged_in = REQUESTS[index % len(REQUESTS)]
            index += 1
            status, headers, body = _get(port, path, session_key if logged_in else None)
            with lock:
                results.append((time.monotonic(), path, status))
                if status == 503 and len(outage_pages) < 3:
                    outage_pages.append((headers, body))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        stopped_at = time.monotonic()
        cluster.stop()
        # Longer than /healthz's cache, so that it too reports the outage.
        time.sleep(HEALTHZ_CACHE_SECONDS + 1.5)
        restarting_at = time.monotonic()
        cluster.start()
        started_at = time.monotonic()

        def recovered() -> bool:
            with lock:
                recent = [status for at, _path, status in results if at > time.monotonic() - 1]
            return len(recent) >= 10 and all(status in (200, 302) for status in recent)

        _wait_for(recovered, "every request answered again after the restart", log, timeout=15)
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)

    def counts(since: float, until: float = float("inf")) -> dict:
        return dict(collections.Counter(status for at, _path, status in results if since <= at < until))

    before, during = counts(0, stopped_at), counts(stopped_at, started_at)
    after = counts(started_at)
    print(
        f"\nPostgreSQL outage under gunicorn: {len(results)} requests; before {before}, while stopped and "
        f"restarting ({started_at - stopped_at:.1f} s, start took {started_at - restarting_at:.1f} s) {during}, "
        f"after {after}"
    )
    statuses = collections.Counter(status for _at, _path, status in results)
    assert set(statuses) <= ALLOWED, f"unexpected answers {statuses}"
    assert set(before) <= {200, 302}
    assert during.get(503, 0) >= 10, "requests sent while the database was down are answered 503"
    assert after.get(200, 0) >= 10

    headers, body = outage_pages[0]
    assert headers["Retry-After"] == "30"
    assert "Vorübergehend nicht erreichbar" in body

    health = collections.Counter(status for _at, path, status in results if path == "/healthz")
    print(f"/healthz among them: {dict(health)}")
    assert health[503] >= 1, "/healthz says so while the database is down (after its cache window at most)"

    output = log.read_text(errors="replace")
    assert "Internal Server Error" not in output
    # Django logs each 5xx response as an ERROR: only /healthz's JSON answers, never the outage pages.
    unavailable = [line for line in output.splitlines() if "ERROR django.request Service Unavailable: " in line]
    assert unavailable, "the log format changed: this check would find nothing"
    assert all(line.endswith("Service Unavailable: /healthz") for line in unavailable), unavailable[:5]
    # Logged once per outage and gunicorn worker (a process knows only its own requests), not per request.
    warnings = output.count("Database unavailable (")
    assert 1 <= warnings <= 2, output[-4000:]
    assert output.count("Database reachable again after ") == warnings
