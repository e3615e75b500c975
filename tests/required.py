"""What a test needs from outside Python: PostgreSQL, Redis, a program such as `redis-server` or `msgfmt`.

Locally a missing part skips the test, so that `make test` passes on a laptop with SQLite and no services. In CI
(`.ci/run` sets SERVICES_REQUIRED=1 and installs everything) a missing part fails the test instead: CI cannot go
green without the tests that need the real services. The browser tests have their own switch (E2E_REQUIRED, see
tests/e2e/conftest.py).
"""

import os
import shutil

import pytest


def services_required() -> bool:
    return bool(os.environ.get("SERVICES_REQUIRED"))


def _missing(what: str) -> None:
    if services_required():
        pytest.fail(f"SERVICES_REQUIRED is set but this test has no {what}")
    pytest.skip(f"needs {what} (CI has it; set SERVICES_REQUIRED=1 to fail instead of skipping)")


def require_postgres() -> None:
    """The test database is PostgreSQL (row locks, concurrent inserts, a server to point elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        _missing("PostgreSQL (set DATABASE_URL=postgres://…)")


def require_redis() -> None:
    """The broker is a Redis server that answers (REDIS_URL)."""
    from django.conf import settings

    if not settings.REDIS_URL.startswith(("redis://", "rediss://")):
        _missing("Redis as broker (set REDIS_URL=redis://…)")
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        _missing(f"Redis answering at REDIS_URL ({error})")
    finally:
        client.close()


def require_binary(name: str, *, package: str) -> str:
    """A program on PATH; `package` names the Debian package that brings it. Returns its path."""
    path = shutil.which(name)
    if path is None:
        _missing(f"the `{name}` program (Debian package {package})")
    return path
