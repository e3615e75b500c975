"""Production deployment files: docker-compose.yml, Dockerfile, .dockerignore, .env.example and the dependency
locks in step.

No Docker engine runs these: the files are parsed and checked for the promises the stack relies on.
No database needed.
"""

import importlib.metadata
import json
import re
import shlex
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
PYPROJECT = ROOT / "pyproject.toml"
MAKEFILE = ROOT / "Makefile"
LOCK = ROOT / "requirements" / "lock.txt"  # runtime and the dev extra: `make install`, CI
RUNTIME_LOCK = ROOT / "requirements" / "lock-runtime.txt"  # runtime only: the Docker image

APP_SERVICES = ("migrate", "web", "worker", "beat")
RUNNING_APP_SERVICES = ("web", "worker", "beat")
ALL_SERVICES = ("db", "redis", *APP_SERVICES)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile_instructions() -> list[tuple[str, str]]:
    return _dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


def _dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs; continuation lines joined, comments dropped."""
    instructions = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def _command_words(command) -> list[str]:
    return list(command) if isinstance(command, list) else shlex.split(command)


def _environment(service: dict) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def _without_interpolation(value: str) -> str:
    """Replace Compose's ${VAR...} with a placeholder so a URL can be parsed."""
    return re.sub(r"\$\{[^}]*\}", "placeholder", value)


def _volume_sources(service: dict) -> set[str]:
    sources = set()
    for volume in service.get("volumes", []):
        sources.add(volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source"))
    return sources


def _env_example_keys() -> set[str]:
    """Keys of .env.example, set (`KEY=`) or documented but commented out (`# KEY=`)."""
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")
    return {
        match.group(1)
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if (match := pattern.match(line.strip()))
    }


# --- docker-compose.yml ------------------------------------------------------------------------------


def test_compose_uses_the_compose_spec_without_version_key(compose):
    assert "version" not in compose


def test_all_services_exist(services):
    assert set(ALL_SERVICES) <= set(services)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_application_services_share_the_image_built_here(services, name):
    assert services[name]["build"] == "."
    assert "image" not in services[name]


@pytest.mark.parametrize("name", ("db", "redis", "web", "worker"))
def test_service_has_a_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert healthcheck.get("test"), f"{name} healthcheck has no test"
    assert not healthcheck.get("disable", False)


def test_healthchecks_check_the_right_thing(services):
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "urllib" in web_check
    assert "http://127.0.0.1:8000/healthz" in web_check
    assert "curl" not in web_check  # not in the slim image
    worker_check = " ".join(services["worker"]["healthcheck"]["test"])
    assert "inspect ping" in worker_check
    # $$ so Compose leaves $HOSTNAME to the container's shell.
    assert "celery@$$HOSTNAME" in worker_check
    assert services["worker"]["healthcheck"]["test"][0] == "CMD-SHELL"


def test_web_waits_for_healthy_db_and_redis_and_finished_migrations(services):
    depends_on = services["web"]["depends_on"]
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", ("worker", "beat"))
def test_worker_and_beat_wait_like_web(services, name):
    assert services[name]["depends_on"] == services["web"]["depends_on"]


def test_migrate_runs_once_after_the_database(services):
    migrate = services["migrate"]
    assert _command_words(migrate["command"])[-3:] == ["manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", RUNNING_APP_SERVICES)
def test_long_running_services_restart(services, name):
    assert services[name]["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", RUNNING_APP_SERVICES)
def test_application_environment(services, name):
    environment = _environment(services[name])

    database = urlsplit(_without_interpolation(environment["DATABASE_URL"]))
    assert database.scheme == "postgres"
    assert database.hostname == "db"

    redis = urlsplit(_without_interpolation(environment["REDIS_URL"]))
    assert redis.scheme == "redis"
    assert redis.hostname == "redis"

    # Required: Compose refuses to start without it instead of running with the development default.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment["SECRET_KEY"])
    # Links in e-mails must point at the public address, never at the development default.
    assert re.fullmatch(r"\$\{SITE_URL:\?[^}]+\}", environment["SITE_URL"])
    assert environment["DEBUG"].lower() == "false"


def test_all_application_services_get_the_same_environment(services):
    reference = _environment(services["web"])
    for name in APP_SERVICES:
        assert _environment(services[name]) == reference, name


def test_database_password_is_required(services):
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", str(services["db"]["environment"]["POSTGRES_PASSWORD"]))
    assert "${POSTGRES_PASSWORD" in _environment(services["web"])["DATABASE_URL"]


def test_commands(services):
    worker = _command_words(services["worker"]["command"])
    assert "celery" in worker
    assert "worker" in worker
    assert "--max-tasks-per-child=50" in worker  # WeasyPrint memory: recycle worker processes
    beat = _command_words(services["beat"]["command"])
    assert "celery" in beat
    assert "beat" in beat
    web = _command_words(services["web"]["command"])
    assert "gunicorn" in web
    assert "diepholz_coord.wsgi" in web


def test_exactly_one_service_runs_beat(services):
    def runs_beat(service: dict) -> bool:
        words = _command_words(service.get("command") or [])
        return "celery" in words and ("beat" in words or "-B" in words or "--beat" in words)

    assert [name for name, service in services.items() if runs_beat(service)] == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_named_volumes_are_declared_and_used(compose, services):
    declared = set(compose.get("volumes") or {})
    assert {"pgdata", "redisdata", "media"} <= declared
    assert "pgdata" in _volume_sources(services["db"])
    assert "redisdata" in _volume_sources(services["redis"])
    for name in ("web", "worker"):
        assert "media:/app/var/media" in services[name]["volumes"]
    used = set().union(*(_volume_sources(service) for service in services.values()))
    assert declared <= used, f"declared but unused: {declared - used}"


def test_redis_keeps_its_queue_on_disk(services):
    assert "--appendonly" in _command_words(services["redis"]["command"])


# --- Dockerfile and .dockerignore --------------------------------------------------------------------


def test_dockerfile_base_image(dockerfile_instructions):
    froms = [arguments for keyword, arguments in dockerfile_instructions if keyword == "FROM"]
    assert froms == ["python:3.11-slim-bookworm"]


def test_dockerfile_installs_weasyprint_libraries(dockerfile_instructions):
    runs = " ".join(arguments for keyword, arguments in dockerfile_instructions if keyword == "RUN")
    assert "apt-get install" in runs
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libfontconfig1"):
        assert re.search(rf"(?<![\w.-]){re.escape(package)}(?![\w.-])", runs), package


def test_dockerfile_installs_the_runtime_lock_with_hashes(dockerfile_instructions):
    copies = [arguments.split() for keyword, arguments in dockerfile_instructions if keyword == "COPY"]
    (target,) = [words[-1] for words in copies if words[:-1] == ["requirements/lock-runtime.txt"]]
    runs = [arguments for keyword, arguments in dockerfile_instructions if keyword == "RUN"]
    installs = [step for run in runs for step in run.split("&&") if "pip install" in step]
    assert [shlex.split(step) for step in installs] == [
        ["pip", "install", "--no-cache-dir", "--require-hashes", "--requirement", target]
    ], "the image installs exactly the runtime lock, checked against its hashes, and nothing unpinned"
    # The dependency layer comes before the source, so a code change does not reinstall everything.
    assert copies.index(["requirements/lock-runtime.txt", target]) < copies.index([".", "."])


def test_dockerfile_collects_static_files_with_a_build_only_secret(dockerfile_instructions):
    runs = [arguments for keyword, arguments in dockerfile_instructions if keyword == "RUN"]
    collectstatic = [run for run in runs if "collectstatic" in run]
    assert len(collectstatic) == 1
    assert "--noinput" in collectstatic[0]
    assert "SECRET_KEY=" in collectstatic[0]
    # The build-time key must not leak into the image's environment.
    envs = " ".join(arguments for keyword, arguments in dockerfile_instructions if keyword == "ENV")
    assert "SECRET_KEY" not in envs


def test_dockerfile_keeps_the_collected_static_files(dockerfile_instructions, settings):
    """Nothing the image runs after collectstatic removes STATIC_ROOT (in the image: below /app)."""
    static_root = Path("/app") / Path(settings.STATIC_ROOT).relative_to(settings.BASE_DIR)
    runs = [arguments for keyword, arguments in dockerfile_instructions if keyword == "RUN"]
    first = next(i for i, run in enumerate(runs) if "collectstatic" in run)
    for run in runs[first:]:
        for step in run.split("&&"):
            words = shlex.split(step)
            if words[:1] == ["rm"]:
                for target in (Path(word) for word in words[1:] if not word.startswith("-")):
                    assert not static_root.is_relative_to(target), f"`{step.strip()}` removes {static_root}"


def test_dockerfile_does_not_run_as_root(dockerfile_instructions):
    users = [arguments for keyword, arguments in dockerfile_instructions if keyword == "USER"]
    assert users, "no USER line: the container would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    # USER comes before the default command.
    keywords = [keyword for keyword, _ in dockerfile_instructions]
    assert max(i for i, k in enumerate(keywords) if k == "USER") < keywords.index("CMD")


def test_dockerfile_serves_gunicorn_like_compose_web(dockerfile_instructions, services):
    assert ("EXPOSE", "8000") in dockerfile_instructions
    cmd = [arguments for keyword, arguments in dockerfile_instructions if keyword == "CMD"]
    assert len(cmd) == 1
    words = json.loads(cmd[0])  # exec form: gunicorn gets the signals
    assert words[:2] == ["gunicorn", "diepholz_coord.wsgi"]
    assert words[words.index("--bind") + 1] == "0.0.0.0:8000"
    assert words[words.index("--workers") + 1] == "3"
    assert words[words.index("--access-logfile") + 1] == "-"
    assert _command_words(services["web"]["command"]) == words


def test_dockerignore_keeps_local_state_out_of_the_image():
    entries = {
        line.strip().removeprefix("**/").rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git", "staticfiles", "__pycache__", "test-artifacts", ".env"} <= entries


# --- Dependency locks -------------------------------------------------------------------------------------------


def _pyproject_requirements() -> tuple[list[Requirement], list[Requirement]]:
    """(runtime, dev extra) requirements as pyproject.toml states their ranges."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    runtime = [Requirement(spec) for spec in project["dependencies"]]
    dev = [Requirement(spec) for spec in project["optional-dependencies"]["dev"]]
    return runtime, dev


def _lock_pins(path: Path) -> dict[str, tuple[str, set[str]]]:
    """name → (pinned version, sha256 hashes) of a pip-compile lock. Fails on any entry that is not `name==x`."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pins = {}
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()  # pip-compile's "# via …" comments
        if not line:
            continue
        requirement, *options = line.split(" --hash=")
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", requirement.strip())
        assert match, f"{path.name}: not an exact pin: {line[:80]}"
        hashes = {option.strip() for option in options}
        assert hashes, f"{path.name}: {match.group(1)} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), f"{path.name}: {line[:80]}"
        pins[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return pins


def _extra_requirements(requirement: Requirement) -> set[str]:
    """Names a requirement's extras add (celery[redis] → redis), from the installed distribution's metadata."""
    names = set()
    for extra in requirement.extras:
        for spec in importlib.metadata.requires(requirement.name) or []:
            needed = Requirement(spec)
            if needed.marker and needed.marker.evaluate({**default_environment(), "extra": extra}):
                names.add(canonicalize_name(needed.name))
    return names


@pytest.mark.parametrize(
    ("lock", "groups"), [(LOCK, ("runtime", "dev")), (RUNTIME_LOCK, ("runtime",))], ids=["lock", "runtime-lock"]
)
def test_every_dependency_of_pyproject_is_pinned_with_hashes_within_its_range(lock, groups):
    """Fails after a dependency was added or a range changed in pyproject.toml until `make lock` has run."""
    runtime, dev = _pyproject_requirements()
    pins = _lock_pins(lock)
    wanted = [*runtime, *(dev if "dev" in groups else [])]
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {lock.name}: run `make lock`"
        version, _hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock.name} pins {name}=={version}, outside pyproject's {requirement}: run `make lock`"
        )
        for needed in _extra_requirements(requirement):
            assert needed in pins, f"{needed} (for {requirement}) is not in {lock.name}: run `make lock`"


def test_the_runtime_lock_pins_what_the_full_lock_pins_and_no_dev_tools():
    runtime, dev = _pyproject_requirements()
    full, production = _lock_pins(LOCK), _lock_pins(RUNTIME_LOCK)
    for name, pin in production.items():
        assert full.get(name) == pin, f"{name}: the two locks differ; run `make lock`"
    runtime_names = {canonicalize_name(r.name) for r in runtime}
    for tool in {canonicalize_name(r.name) for r in dev} - runtime_names:
        assert tool not in production, f"{tool} (dev only) would go into the production image"


def test_the_locks_are_resolved_for_the_python_of_the_image(dockerfile_instructions):
    (base,) = [arguments for keyword, arguments in dockerfile_instructions if keyword == "FROM"]
    python = re.match(r"python:(\d+\.\d+)", base).group(1)
    for lock in (LOCK, RUNTIME_LOCK):
        assert f"autogenerated by pip-compile with Python {python}\n" in lock.read_text(encoding="utf-8"), lock.name


def test_make_install_installs_the_lock_with_hashes():
    makefile = MAKEFILE.read_text(encoding="utf-8")
    assert "LOCK := requirements/lock.txt\n" in makefile
    assert "RUNTIME_LOCK := requirements/lock-runtime.txt\n" in makefile
    stamp = re.search(r"^\$\(VENV\)/\.installed: (.*)\n((?:\t.*\n)+)", makefile, re.M)
    assert stamp, "no $(VENV)/.installed rule"
    assert "$(LOCK)" in stamp.group(1).split(), "a changed lock must reinstall"
    installs = [line.strip() for line in stamp.group(2).splitlines() if "pip install" in line]
    assert installs == [
        "$(BIN)/python -m pip install --quiet --upgrade pip",
        "$(BIN)/python -m pip install --quiet --require-hashes --requirement $(LOCK)",
    ], "make install installs the lock and nothing unpinned besides pip itself"
    assert re.search(r"^lock: ", makefile, re.M), "`make lock` regenerates the locks"


def test_the_environment_running_the_tests_is_the_locked_one():
    """A .venv from before the last lock change (or with hand-installed upgrades) fails here: `make install`."""
    stale = {}
    for name, (version, _hashes) in _lock_pins(LOCK).items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            stale[name] = (version, installed)
    assert not stale, f"locked vs installed: {stale}"


# --- CI -------------------------------------------------------------------------------------------------------


def test_ci_requires_browser_and_service_tests_and_installs_what_they_need():
    """`.ci/run` sets both switches, so a missing browser, service or program fails CI instead of skipping, and
    installs the Debian package of every program a test requires (tests/required.py's require_binary)."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^export E2E_REQUIRED=1$", ci, re.M)
    assert re.search(r"^export SERVICES_REQUIRED=1$", ci, re.M)
    installed = set(re.findall(r"apt_install ([\w.+-]+)", ci)) | set(re.findall(r"missing\+=\(([\w.+-]+)\)", ci))
    required = set()
    for path in (ROOT / "tests").rglob("*.py"):
        required |= set(re.findall(r"require_binary\([^)]*package=\"([^\"]+)\"", path.read_text(encoding="utf-8")))
    assert {"redis-server", "gettext"} <= required
    assert required <= installed, f"programs the tests require that .ci/run does not install: {required - installed}"


# --- .env.example in step with the compose file ------------------------------------------------------


def test_every_application_variable_is_documented_in_env_example(services):
    documented = _env_example_keys()
    passed = set().union(*(_environment(services[name]) for name in APP_SERVICES))
    missing = sorted(passed - documented)
    assert not missing, f"passed by docker-compose.yml but not documented in .env.example: {missing}"


def test_web_port_is_published_on_loopback_only(services):
    """SECURE_PROXY trusts X-Forwarded-Proto: only the local TLS proxy may reach gunicorn directly."""
    for mapping in services["web"].get("ports", []):
        assert str(mapping).startswith("127.0.0.1:"), mapping
