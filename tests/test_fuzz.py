"""Hostile input to every URL pattern for every role: never a 500, never a half-saved refusal (issue 12, point 1).

For each URL of the access matrix (tests/test_access_matrix.py, same objects, same roles, plus a user without a
role) hypothesis sends GET requests with hostile query strings and POST requests with hostile bodies: NUL bytes,
5,000-character strings, look-alike digits (²①٣), negative and huge numbers, path traversal, markup, SQL quotes,
impossible dates, empty values and lists where one value is expected. The field names come from the pages
themselves: every form (and htmx element) on every page the coordinator and a provider admin see is parsed, and
its fields are sent to the URL it posts to. The admin's list filters get the same treatment as a superuser.

Asserted: no 5xx and no exception (counted as a 500, Django's answer in production); a refused request (4xx)
leaves every table of the project's apps (and the users) with the rows it had; a NUL byte anywhere is a 400.
The figures (requests, statuses, 500s) go to test-artifacts/fuzz-figures.json and are printed at the end of the
run. Roles the matrix refuses at a URL, and POSTs to pages without a form, get fewer examples. Also run on
PostgreSQL (DATABASE_URL), where the NUL bytes and over-long values used to fail.
"""

from __future__ import annotations

import logging
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from . import factories, figures
from .test_access_matrix import MATRIX, ROLES

PROJECT_APPS = ["courses", "participants", "transitions", "meetings", "register", "developments"]
FUZZ_ROLES = [*ROLES, "no_role"]
EXAMPLES = 5  # per URL and role (and per admin list); derandomized, so every run sends the same requests
REFUSED_EXAMPLES = 2  # for a role the access matrix refuses at that URL

# Query parameters the views read directly (grep request.GET/POST in the apps), sent to every URL.
VIEW_PARAMETERS = ["page", "next", "format", "vorlage", "zulassung", "empfaenger", "sitzung", "von", "bis"]
VIEW_PARAMETERS += ["teilnehmende", "kurs", "zustaendig", "confirm", "done", "q", "scope"]

HOSTILE = [
    "x" * 5000,
    "9" * 5000,
    "²",
    "①",
    "٣",
    "²①٣",
    "١٢",
    "-1",
    "0",
    "-99999999999999999999",
    "99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "1e308",
    "NaN",
    "1.5",
    "../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    '"; DROP TABLE courses_course; --',
    "2026-02-30",
    "2026-13-01",
    "31.02.2026",
    "0000-00-00",
    "99:99",
    "",
    " ",
    "on",
    "department:٣",
    "provider:-1",
    "\u202egnp.exe",
    "👩‍👩‍👧",
    "=1+1",
]
VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=3),
    # Any text without NUL (checked on its own) and without lone surrogates (not encodable as UTF-8).
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30),
)
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

FIGURE = Counter()


class _FormParser(HTMLParser):
    """Forms (and htmx elements) on a page: where they send (action, hx-post, hx-get), how, and their fields;
    and the parameter names of links to the page itself (?page=2, sorting)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.link_parameters: set[str] = set()
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            method = "post" if attrs.get("hx-post") or attrs.get("method", "").lower() == "post" else "get"
            action = attrs.get("hx-post") or attrs.get("hx-get") or attrs.get("action", "")
            self._open = {"method": method, "action": action, "fields": set()}
            self.forms.append(self._open)
            return
        name = attrs.get("name")
        is_field = name and name != "csrfmiddlewaretoken" and tag in ("input", "select", "textarea", "button")
        if is_field and self._open is not None:
            self._open["fields"].add(name)
        if attrs.get("formaction") and self._open is not None:
            # A button that sends the form elsewhere (each handover step has its own URL): the same fields.
            method = attrs.get("formmethod", self._open["method"]).lower()
            self.forms.append({"method": method, "action": attrs["formaction"], "fields": self._open["fields"]})
        if attrs.get("hx-post") and self._open is None:
            self.forms.append({"method": "post", "action": attrs["hx-post"], "fields": {name} if name else set()})
        if tag == "a" and attrs.get("href", "").startswith("?"):
            self.link_parameters |= {key for key, _value in parse_qsl(attrs["href"][1:], keep_blank_values=True)}

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


_FIELDS: dict[tuple[str, str], set[str]] | None = None


def _record_page(fields, page_url: str, html: str) -> None:
    parser = _FormParser()
    parser.feed(html)
    try:
        page_name = resolve(urlsplit(page_url).path).view_name
    except Resolver404:
        return
    fields.setdefault(("get", page_name), set()).update(parser.link_parameters)
    for form in parser.forms:
        try:
            name = resolve(urlsplit(urljoin(page_url, form["action"])).path).view_name
        except Resolver404:
            continue
        fields.setdefault((form["method"], name), set()).update(form["fields"])


def harvested_fields(world, client) -> dict[tuple[str, str], set[str]]:
    """(method, URL name) → field names, from every page of the matrix as the coordinator and a provider admin.
    Read once per session, in whichever test comes first (the pages' forms do not depend on the objects)."""
    global _FIELDS
    if _FIELDS is None:
        fields: dict[tuple[str, str], set[str]] = {}
        with transaction.atomic():  # the objects made for the pages are rolled back: the test makes its own
            urls = [reverse(name, args=args(world)) for name, (method, args, _exp) in MATRIX.items() if method == "get"]
            for role in ("coordinator", "a_admin"):
                client.force_login(getattr(world.users, role))
                for url in urls:
                    response = client.get(url)
                    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                        _record_page(fields, url, response.content.decode())
            transaction.set_rollback(True)
        client.logout()
        _FIELDS = fields
    return _FIELDS


def row_counts() -> tuple[int, ...]:
    """The number of rows of every table of the project's apps (with their many-to-many tables) and of the users,
    in one query."""
    models = [m for label in PROJECT_APPS for m in apps.get_app_config(label).get_models(include_auto_created=True)]
    models.append(get_user_model())
    tables = sorted({connection.ops.quote_name(model._meta.db_table) for model in models})
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables))  # noqa: S608
        return tuple(cursor.fetchone())


class Fuzzer:
    """Sends requests as one user, checks each answer and the row counts, and collects what went wrong."""

    def __init__(self, client, user):
        self.client = client
        self.user = user
        self.failures: list[str] = []

    def send(self, method: str, url: str, data: dict, *, expect: int | None = None) -> None:
        if self.user is None:
            self.client.logout()
        else:
            self.client.force_login(self.user)
        before = row_counts()
        shown = {
            key: (value[:40] + "…" if isinstance(value, str) and len(value) > 40 else value)
            for key, value in data.items()
        }
        where = f"{method.upper()} {url} as {getattr(self.user, 'username', 'anonymous')} with {shown!r}"
        FIGURE["requests"] += 1
        try:
            response = getattr(self.client, method)(url, data)
        except Exception as error:  # the test client re-raises what a view raised (a 500 in production)
            FIGURE["exceptions"] += 1
            FIGURE["500s"] += 1
            self.failures.append(f"{where}: {type(error).__name__}: {error}"[:600])
            return
        status = response.status_code
        FIGURE[f"{status // 100}xx"] += 1
        if status >= 500:
            FIGURE["500s"] += 1
            self.failures.append(f"{where}: {status}")
        if expect is not None and status != expect:
            self.failures.append(f"{where}: {status}, expected {expect}")
        if 400 <= status < 500 and row_counts() != before:
            FIGURE["changed_by_refusal"] += 1
            self.failures.append(f"{where}: refused with {status}, but rows changed")


def _users(world):
    users = {role: getattr(world.users, role, None) for role in ROLES}
    users["no_role"] = factories.UserFactory(username="ohne-rolle")
    return users


def _strategy(names):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(sorted(names), VALUE))


def fuzz(fuzzer: Fuzzer, *, url: str, query_fields: set[str], post_fields: set[str] | None, examples: int,
         post_examples: int | None = None) -> None:  # fmt: skip
    """`examples` GETs with a hostile query string and, unless post_fields is None, POSTs with a hostile body
    (only in the first `post_examples` examples when given)."""
    sent = Counter()

    @settings(HYPOTHESIS, max_examples=examples)
    @given(query=_strategy(query_fields), body=_strategy(post_fields or set()))
    # Always once: every field long and all digits (a login name over 255 characters, a number over 4,300 digits).
    @example(query=dict.fromkeys(query_fields, "9" * 300), body=dict.fromkeys(post_fields or (), "9" * 5000))
    def run(query, body):
        fuzzer.send("get", url, query)
        if post_fields is not None and (post_examples is None or sent["post"] < post_examples):
            sent["post"] += 1
            fuzzer.send("post", url, body)

    run()


def refuse_nul(fuzzer: Fuzzer, *, url: str, post_fields: set[str] | None) -> None:
    """A NUL byte is refused before anything else looks at the request (sessions, login, the view)."""
    fuzzer.send("get", url, {"q": "a\x00b"}, expect=400)
    fuzzer.send("post", url, {sorted(post_fields or {"x"})[0]: "\x00"}, expect=400)


def assert_no_errors_logged(caplog) -> None:
    """No ERROR log but Django's refusal of a redirect longer than 16 KB (the login page's ?next= for a URL with
    several 5,000-character parameters: a 400, logged as suspicious; gunicorn refuses request lines over 4 KB)."""
    errors = [
        record.getMessage()
        for record in caplog.get_records("call")
        if record.levelno >= logging.ERROR and record.name != "django.security.DisallowedRedirect"
    ]
    assert not errors, "ERROR logged: " + "; ".join(errors[:10])


# GET pages first, so that the post-only URLs find the fields their pages' forms send them.
NAMES = sorted(MATRIX, key=lambda name: (MATRIX[name][0] == "post", name))


@pytest.fixture(scope="module", autouse=True)
def _figures():
    """The module's figures join the run's report (tests/figures.py), written and printed at its end."""
    yield
    figures.record("fuzz-figures", {
        key: FIGURE[key]
        for key in ("requests", "500s", "exceptions", "changed_by_refusal", "urls", "admin_lists", "login_forms",
                    "2xx", "3xx", "4xx")
    })  # fmt: skip


@pytest.mark.django_db
@pytest.mark.expected_error_log  # checked in the test: only the refusal of an over-long redirect
@pytest.mark.parametrize("name", NAMES)
def test_hostile_input_to_every_url_for_every_role(world, client, caplog, name):
    FIGURE["urls"] += 1
    fields = harvested_fields(world, client)
    method, args, _expected = MATRIX[name]
    url = reverse(name, args=args(world))
    generic = set(VIEW_PARAMETERS)
    query_fields = generic | fields.get(("get", name), set())
    # A URL no page's form sends fields to (a bare button, a read-only page) gets the generic names.
    post_fields = fields.get(("post", name)) or generic
    sends_form = method == "post" or bool(fields.get(("post", name)))
    expected = dict(zip(ROLES, MATRIX[name][2], strict=True))
    failures = []
    for role, user in _users(world).items():
        fuzzer = Fuzzer(client, user)
        if role in ("anonymous", "coordinator"):
            refuse_nul(fuzzer, url=url, post_fields=post_fields)
        # Roles the matrix refuses are stopped by the access check before any parameter is read: fewer examples;
        # and fewer POSTs to a page without a form.
        allowed = isinstance(expected.get(role), int) and expected[role] < 400
        examples = EXAMPLES if allowed else REFUSED_EXAMPLES
        post_examples = None if sends_form else REFUSED_EXAMPLES
        fuzz(fuzzer, url=url, query_fields=query_fields, post_fields=post_fields, examples=examples,
             post_examples=post_examples)  # fmt: skip
        failures += [f"[{role}] {failure}" for failure in fuzzer.failures]
    assert not failures, "\n".join(failures[:20])
    assert_no_errors_logged(caplog)


def _admin_lists():
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" for model in admin.site._registry
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", _admin_lists())
def test_hostile_input_to_every_admin_list(world, client, name):
    """As a superuser: the list's own filter, date and sorting parameters (from its links, so there is data: the
    world's), search and paging."""
    FIGURE["admin_lists"] += 1
    superuser = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    url = reverse(name)
    client.force_login(superuser)
    page = client.get(url)
    assert page.status_code == 200
    parser = _FormParser()
    parser.feed(page.content.decode())
    fuzzer = Fuzzer(client, superuser)
    refuse_nul(fuzzer, url=url, post_fields=None)
    # Not "e": the admin's own flag for "the lookup failed twice", answered with its database-error page.
    query_fields = (parser.link_parameters - {"e"}) | {"q", "p", "o", "all"}
    fuzz(fuzzer, url=url, query_fields=query_fields, post_fields=None, examples=EXAMPLES)
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:20])


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_hostile_input_to_the_login_forms(client, url):
    FIGURE["login_forms"] += 1
    fuzzer = Fuzzer(client, None)
    refuse_nul(fuzzer, url=url, post_fields={"username"})
    fuzz(fuzzer, url=url, query_fields={"next"}, post_fields={"username", "password", "next"}, examples=2 * EXAMPLES)
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:20])


@pytest.mark.django_db
def test_the_fuzzer_finds_the_forms_on_the_pages(world, client):
    """The field names come from parsing the pages: a template change that hid them would silently leave the
    fuzzer sending generic names only."""
    fields = harvested_fields(world, client)
    assert {"kurs", "note"} <= fields[("post", "transitions:handover_step")]
    assert {"title", "provider", "venue", "start_date"} <= fields[("post", "courses:course_create")]
    assert {"free_places"} <= fields[("post", "courses:course_report_places")]  # an htmx form
    assert {"provider", "municipality", "q"} <= fields[("get", "courses:course_list")]
    assert any(name.endswith("-notes") for name in fields[("post", "meetings:minutes_save")])  # prefixed per item
