"""No import circle between services and tasks: tasks call services; services enqueue tasks by name only."""

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_meetings_services_does_not_import_meetings_tasks():
    # A fresh interpreter: in this one the tasks are registered already (tests/conftest.py).
    script = textwrap.dedent(
        """
        import sys

        import django

        django.setup()
        assert "meetings.tasks" not in sys.modules, "django.setup() alone imports meetings.tasks"
        import meetings.services
        import meetings.views

        assert "meetings.tasks" not in sys.modules, "importing meetings.services imports meetings.tasks"
        print("ok")
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "diepholz_coord.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_meetings_services_has_no_import_of_tasks_not_even_inside_a_function():
    tree = ast.parse((ROOT / "meetings" / "services.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            imported.add(module)
            imported.update(f"{module}.{alias.name}" if node.module else module + alias.name for alias in node.names)
    assert not {name for name in imported if name in {".tasks", "meetings.tasks"} or name.endswith(".tasks")}
