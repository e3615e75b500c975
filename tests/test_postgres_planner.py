"""The planner settings every PostgreSQL connection opens with (diepholz_coord/settings.py, README "Running it")."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.required import require_postgres

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_connections_open_without_jit_and_with_a_short_join_search():
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "4"


def options_with(**env) -> str | None:
    """The connection options the settings give for a PostgreSQL URL and the environment given."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS'].get('options')))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRES_")}
    base.update(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused", DJANGO_SETTINGS_MODULE="diepholz_coord.settings"
    )
    base.update(env)
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, check=True)
    return json.loads(found.stdout.strip().splitlines()[-1])


def test_planner_settings_follow_the_environment():
    assert options_with() == "-c jit=off -c join_collapse_limit=4"
    assert options_with(POSTGRES_JIT="on") == "-c join_collapse_limit=4"
    assert options_with(POSTGRES_JOIN_COLLAPSE_LIMIT="6") == "-c jit=off -c join_collapse_limit=6"
    assert options_with(POSTGRES_JIT="on", POSTGRES_JOIN_COLLAPSE_LIMIT="") is None
