"""`make run` on the no-services path: SQLite and Celery's filesystem broker in a fresh folder.

Starts the real command (migrate, seed_demo, collectstatic, honcho with gunicorn, worker and beat), waits for
/healthz, logs in as a demo user, and has the worker run a task handed over through the filesystem broker.
"""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, timeout, what, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}; output of make run:\n{log.read_text()[-4000:]}")


@pytest.fixture
def make_run(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(port))
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}", f"PYTHON={sys.executable}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}", env, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_run_serves_the_demo_district(make_run):
    base, env, log = make_run

    def healthy():
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                return json.load(response) == {"status": "ok", "database": "ok", "broker": "ok"}
        except OSError:
            return False

    _wait_for(healthy, 180, "/healthz", log)
    output = log.read_text()
    assert "vhs-kurs" in output and "diepholz" in output, "make run prints the demo logins"

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=10).read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    data = urllib.parse.urlencode({"username": "vhs", "password": "diepholz", "csrfmiddlewaretoken": token})
    request = urllib.request.Request(f"{base}/accounts/login/", data=data.encode(), headers={"Referer": base})
    with opener.open(request, timeout=10) as response:
        home = response.read().decode()
    assert "Meine Kurse" in home and "Volkshochschule Hunte-Weser (Demo)" in home
    with opener.open(f"{base}/static/bootstrap/css/bootstrap.min.css", timeout=10) as response:
        assert response.status == 200

    # The worker picks up a task from the filesystem broker.
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "manage.py",
            "shell",
            "-c",
            "from courses.tasks import remind_stale_place_reports as t; t.delay()",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    pattern = re.compile(r"Task courses\.tasks\.remind_stale_place_reports\[[0-9a-f-]+\] succeeded")
    _wait_for(lambda: pattern.search(log.read_text()), 60, "the worker to run the task", log)
