"""`make bench`: the main pages over real HTTP at factor 1 and 10 of the county, next to reference points.

For each factor (BENCH_FACTORS, default "1,10") a PostgreSQL database `diepholz_bench_f<N>` on the server of
DATABASE_URL (default postgres://postgres@127.0.0.1:5432) is filled once with seed_demo and
`seed_scale --factor N` (kept between runs; filled again when it is older than a week, then ANALYZEd). Then the
production stack starts on loopback: gunicorn as the README recommends (2 workers, DEBUG=False, WhiteNoise) and a
Celery worker, both with Redis (REDIS_URL, default redis://127.0.0.1:6379/3). The demo logins log in through the
login form; each page is driven by wrk (Debian's `wrk`, a bounded C load generator: BENCH_CLIENTS connections,
default 8, for BENCH_SECONDS, default 5, after a warm-up), and the trivial page (base template, no data) is
measured before every page and once at the end, so that drift hits both. Queries per request, matching, the PDFs
against pure WeasyPrint and the Celery worker's renders run in bench/inprocess.py against the same database.

Writes bench/results.json and bench/results.md (the table the README shows) and prints the table with each goal
met or not. BENCH_QUICK=1: the short variant for CI (factor 1, one second per page, two agendas).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("BENCH_QUICK") == "1"
FACTORS = [int(f) for f in os.environ.get("BENCH_FACTORS", "1" if QUICK else "1,10").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "1" if QUICK else "5"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "0.5" if QUICK else "1"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
AGENDAS = int(os.environ.get("BENCH_AGENDAS", "2" if QUICK else "12"))
PASSWORD = "diepholz"  # seed_demo's demo logins; demo data only
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / ("results-quick" if QUICK else "results")))
VAR = ROOT / "var" / "bench"
RESEED_AFTER_DAYS = 7
MIN_REQUESTS = 8  # a page measured with fewer requests is measured again for four times as long

# Goals of issue 13 (the figures of the largest factor).
SHARE_OF_TRIVIAL = 0.40
MEDIAN_MS = 150
LIST_OVER_ADMIN = 2.0
POST_P95_MS = 60
AGENDA_PAGES = 8
AGENDA_OVER_WEASYPRINT = 1.3
MATCHING_SECONDS = 2.0
GUNICORN_RSS_MB = 200
CELERY_RSS_MB = 400


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def database_url(factor: int) -> str:
    base = urllib.parse.urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.scheme.startswith("postgres"):
        raise SystemExit("make bench measures PostgreSQL: set DATABASE_URL to a postgres:// URL (or leave it unset)")
    return urllib.parse.urlunsplit(base._replace(path=f"/diepholz_bench_f{factor}", query=""))


def environment(factor: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "BENCH_"))}
    env.update(
        DATABASE_URL=database_url(factor),
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3",
        VAR_DIR=str(VAR / f"f{factor}"),
        HOME=str(VAR),  # gunicorn's control socket: never another gunicorn's
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        AXES_ENABLED="false",
        # The benchmark measures pages, not the login's code step (tests/test_two_factor.py tests that).
        TWO_FACTOR_REQUIRED="false",
        DJANGO_SETTINGS_MODULE="diepholz_coord.settings",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def inprocess(env: dict[str, str], *args: str):
    result = subprocess.run(
        [sys.executable, "-m", "bench.inprocess", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"bench.inprocess {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout)


def psql(url: str, sql: str) -> str:
    result = subprocess.run(["psql", url, "-Atqc", sql], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"psql: {result.stderr}")
    return result.stdout.strip()


def seed(factor: int, env: dict[str, str]) -> None:
    """The database of a factor, filled once (kept while its marker is younger than RESEED_AFTER_DAYS)."""
    url = env["DATABASE_URL"]
    server = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
    name = f"diepholz_bench_f{factor}"
    marker = VAR / f"seeded-f{factor}.json"
    exists = psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    fresh = False
    if exists and marker.exists():
        seeded = datetime.date.fromisoformat(json.loads(marker.read_text())["seeded_on"])
        fresh = (datetime.date.today() - seeded).days < RESEED_AFTER_DAYS
    Path(env["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if not fresh:
        log(f"factor {factor}: seeding {name} (seed_demo + seed_scale --factor {factor})")
        psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(server, f'CREATE DATABASE "{name}"')
        started = time.monotonic()
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "-v0")
        manage(env, "seed_scale", "--factor", str(factor), "--no-progress")
        psql(url, "VACUUM ANALYZE")
        marker.write_text(json.dumps({"seeded_on": datetime.date.today().isoformat()}))
        log(f"factor {factor}: seeded in {time.monotonic() - started:.0f} s")
    else:
        manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """gunicorn (2 workers) and a Celery worker for one database."""

    def __init__(self, env: dict[str, str]):
        self.env, self.port = env, free_port()
        logs = Path(env["VAR_DIR"])
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "diepholz_coord.wsgi", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "2", "--access-logfile", str(logs / "access.log")],
            cwd=ROOT,
            env=env,
            stdout=(logs / "gunicorn.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "diepholz_coord", "worker", "--concurrency=1", "--loglevel=WARNING"],
            cwd=ROOT,
            env=env,
            stdout=(logs / "celery.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.web.poll() is not None:
                raise SystemExit(f"gunicorn did not come up: see {logs / 'gunicorn.log'}")
            time.sleep(0.3)

    def request(self, method: str, path: str, *, body: dict | None = None, cookies: dict | None = None, headers=None):
        connection = HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                if cookies is not None:
                    cookies[name] = morsel.value
        return response.status, response.headers, content

    def login(self, username: str) -> dict[str, str]:
        cookies: dict[str, str] = {}
        _status, _headers, page = self.request("GET", "/accounts/login/", cookies=cookies)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, headers, _content = self.request(
            "POST",
            "/accounts/login/",
            body={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            cookies=cookies,
        )
        if status != 302 or "sessionid" not in cookies:
            raise SystemExit(f"login as {username} failed ({status})")
        return cookies

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of the gunicorn workers and the Celery worker's processes, in MB."""

        def children(pid: int) -> list[int]:
            found = []
            for task in Path(f"/proc/{pid}/task").iterdir():
                text = (task / "children").read_text().split()
                found += [int(p) for p in text]
            return found

        def rss(pid: int) -> float:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
            return 0.0

        web = [rss(pid) for pid in children(self.web.pid)]
        worker = [rss(pid) for pid in [self.worker.pid, *children(self.worker.pid)]]
        return {"gunicorn_workers": web, "celery": worker}

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.web, self.worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wrk(stack: Stack, page: dict, cookies: dict[str, str], seconds: float, *, warmup: bool = False) -> dict | None:
    """One measured run (at least MIN_REQUESTS requests: a slow page gets a longer run); a warm-up is not
    checked (the previous page's last requests may still hold the workers)."""
    figures = _wrk(stack, page, cookies, seconds)
    if warmup:
        return None
    if figures["requests"] < MIN_REQUESTS:
        figures = _wrk(stack, page, cookies, seconds * 4)
    if figures["unexpected"] or figures["errors"] or not figures["requests"]:
        raise SystemExit(f"{page['path']} as {page['login']}: {figures} (responses other than 200 or errors)")
    seconds = figures["duration_us"] / 1e6
    return {
        "requests": figures["requests"],
        "per_second": round(figures["requests"] / seconds, 1),
        "median_ms": round(figures["p50_us"] / 1000, 1),
        "p95_ms": round(figures["p95_us"] / 1000, 1),
        "kb": round(figures["bytes"] / figures["requests"] / 1024, 1),
    }


def _wrk(stack: Stack, page: dict, cookies: dict[str, str], seconds: float) -> dict:
    env = {
        **os.environ,
        "BENCH_METHOD": page["method"],
        "BENCH_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "BENCH_CSRF": cookies.get("csrftoken", ""),
        "BENCH_BODY": urllib.parse.urlencode(page.get("body") or {}),
        "BENCH_EXPECT": "200",
    }
    command = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{max(1, round(seconds))}s", "--timeout", "60s"]
    command += ["-s", str(ROOT / "bench" / "wrk.lua"), f"http://127.0.0.1:{stack.port}{page['path']}"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed for {page['path']}:\n{result.stdout}\n{result.stderr}")
    return json.loads(line.removeprefix("BENCH_JSON "))


def measure(factor: int, env: dict[str, str]) -> dict:
    pages = inprocess(env, "pages")
    work = inprocess(env, "work")
    log(f"factor {factor}: {work['sizes']}; queries counted, matching and PDFs measured")
    stack = Stack(env)
    try:
        sessions = {login: stack.login(login) for login in sorted({p["login"] for p in pages})}
        for page in pages:  # every page answers 200 for its login before it is measured
            cookies = dict(sessions[page["login"]])
            body = {**page["body"], "csrfmiddlewaretoken": cookies["csrftoken"]} if page.get("body") else None
            headers = {"HX-Request": "true"} if body else {}
            status = stack.request(page["method"], page["path"], body=body, cookies=cookies, headers=headers)[0]
            if status != 200:
                raise SystemExit(f"{page['path']} as {page['login']}: {status}")
        trivial = next(p for p in pages if p["key"] == "trivial")
        trivial_runs = []
        for page in pages:
            if page is trivial:
                continue
            wrk(stack, trivial, sessions[trivial["login"]], WARMUP, warmup=True)
            trivial_runs.append(wrk(stack, trivial, sessions[trivial["login"]], SECONDS))
            wrk(stack, page, sessions[page["login"]], WARMUP, warmup=True)
            page["http"] = wrk(stack, page, sessions[page["login"]], SECONDS)
            page["trivial_before"] = len(trivial_runs) - 1
            log(f"factor {factor}: {page['key']}: {page['http']}")
        trivial_runs.append(wrk(stack, trivial, sessions[trivial["login"]], SECONDS))
        for page in pages:
            if page is trivial:
                page["http"] = {
                    "requests": sum(r["requests"] for r in trivial_runs),
                    "per_second": round(statistics.median(r["per_second"] for r in trivial_runs), 1),
                    "median_ms": round(statistics.median(r["median_ms"] for r in trivial_runs), 1),
                    "p95_ms": round(statistics.median(r["p95_ms"] for r in trivial_runs), 1),
                    "kb": trivial_runs[0]["kb"],
                    "runs": len(trivial_runs),
                }
                page["share_of_trivial"] = 1.0
                continue
            around = trivial_runs[page["trivial_before"] : page["trivial_before"] + 2]
            page["share_of_trivial"] = round(
                page["http"]["per_second"] / statistics.mean(r["per_second"] for r in around), 3
            )
        rss_after_pages = stack.rss_mb()
        work["celery_agendas"] = inprocess(env, "agendas", str(AGENDAS))
        rss = stack.rss_mb()
        rss["gunicorn_workers"] = rss_after_pages["gunicorn_workers"]
    finally:
        stack.stop()
    return {"pages": pages, "work": work, "rss_mb": rss}


def goals(results: dict) -> list[dict]:
    factors = sorted(results["factors"], key=int)
    top = results["factors"][factors[-1]]
    by_key = {p["key"]: p for p in top["pages"]}
    found = []

    def goal(text: str, met: bool, detail: str) -> None:
        found.append({"goal": text, "met": bool(met), "detail": detail})

    counts = {f: {p["key"]: p["queries"] for p in results["factors"][f]["pages"]} for f in factors}
    differing = [k for k in counts[factors[0]] if len({counts[f][k] for f in factors}) > 1]
    goal(
        f"queries per request identical at factors {', '.join(factors)}",
        not differing,
        "all identical" if not differing else "differ: " + ", ".join(differing),
    )
    measured = [p for p in top["pages"] if p["kind"] in ("page", "list", "post")]
    low = [p["key"] for p in measured if p["share_of_trivial"] < SHARE_OF_TRIVIAL]
    goal(f"every page ≥ {SHARE_OF_TRIVIAL:.0%} of the trivial page's throughput", not low, ", ".join(low) or "all")
    slow = [p["key"] for p in measured if p["http"]["median_ms"] > MEDIAN_MS]
    goal(f"every page's median ≤ {MEDIAN_MS} ms at {CLIENTS} clients", not slow, ", ".join(slow) or "all")
    behind = []
    for page in (p for p in measured if p["kind"] == "list"):
        admin = by_key["admin_participants" if page["key"].startswith("participants") else "admin_courses"]
        if page["http"]["per_second"] < LIST_OVER_ADMIN * admin["http"]["per_second"]:
            behind.append(f"{page['key']} ({page['http']['per_second']} vs {admin['http']['per_second']}/s)")
    goal(
        f"list pages ≥ {LIST_OVER_ADMIN:g} × the admin changelist's throughput", not behind, ", ".join(behind) or "all"
    )
    post = by_key["free_places_post"]["http"]
    goal(f"free-place POST p95 ≤ {POST_P95_MS} ms", post["p95_ms"] <= POST_P95_MS, f"p95 {post['p95_ms']} ms")
    agenda = top["work"]["agenda_pdf"]
    goal(
        f"agenda PDF ≤ {AGENDA_PAGES} pages and ≤ {AGENDA_OVER_WEASYPRINT} × pure WeasyPrint",
        agenda["pages"] <= AGENDA_PAGES and agenda["ratio"] <= AGENDA_OVER_WEASYPRINT,
        f"{agenda['pages']} pages, {agenda['ratio']} ×",
    )
    matching = {f: results["factors"][f]["work"]["matching"] for f in factors}
    goal(
        f"matching everyone in courses ending within 8 weeks ≤ {MATCHING_SECONDS:g} s, constant queries",
        matching[factors[-1]]["seconds"] <= MATCHING_SECONDS and len({m["queries"] for m in matching.values()}) == 1,
        f"{matching[factors[-1]]['seconds']} s for {matching[factors[-1]]['people']} people, queries "
        + " / ".join(str(m["queries"]) for m in matching.values()),
    )
    web, celery = max(top["rss_mb"]["gunicorn_workers"]), max(top["rss_mb"]["celery"])
    goal(f"gunicorn worker RSS ≤ {GUNICORN_RSS_MB} MB", web <= GUNICORN_RSS_MB, f"{web} MB")
    goal(
        f"Celery worker ≤ {CELERY_RSS_MB} MB after rendering {top['work']['celery_agendas']['agendas']} agendas",
        celery <= CELERY_RSS_MB,
        f"{celery} MB",
    )
    return found


def markdown(results: dict) -> str:
    factors = sorted(results["factors"], key=int)
    run = results["run"]
    lines = [
        f"Measured {run['date']} on {run['machine']} (commit {run['commit']}): gunicorn 2 workers, PostgreSQL, "
        f"Redis, wrk with {run['clients']} connections, {run['seconds']:g} s per page.",
        "",
        "| page | login | " + " | ".join(f"×{f}: req/s · share · median · p95 · queries" for f in factors) + " |",
        "|---|---|" + "---|" * len(factors),
    ]
    first = results["factors"][factors[0]]["pages"]
    for n, page in enumerate(first):
        cells = []
        for f in factors:
            p = results["factors"][f]["pages"][n]
            h = p["http"]
            cells.append(
                f"{h['per_second']:g} · {p['share_of_trivial']:.2f} · {h['median_ms']:g} ms · {h['p95_ms']:g} ms · "
                f"{p['queries']}"
            )
        lines.append(f"| {page['label']} | {page['login']} | " + " | ".join(cells) + " |")
    lines += ["", "| figure | " + " | ".join(f"×{f}" for f in factors) + " |", "|---|" + "---|" * len(factors)]

    def row(label: str, value) -> None:
        lines.append(f"| {label} | " + " | ".join(value(results["factors"][f]) for f in factors) + " |")

    row("data", lambda r: ", ".join(f"{v:,} {k}" for k, v in r["work"]["sizes"].items()))
    row(
        "matching, courses ending within 8 weeks",
        lambda r: (
            f"{r['work']['matching']['seconds']} s, {r['work']['matching']['people']} people, "
            f"{r['work']['matching']['queries']} queries"
        ),
    )
    for kind in ("agenda_pdf", "minutes_pdf"):
        row(
            kind.replace("_", " "),
            lambda r, kind=kind: (
                f"{r['work'][kind]['seconds']} s ({r['work'][kind]['ratio']} × pure WeasyPrint "
                f"{r['work'][kind]['pure_weasyprint_seconds']} s), {r['work'][kind]['pages']} pages, "
                f"{r['work'][kind]['bytes'] // 1024} KB"
            ),
        )
    row(
        "RSS gunicorn workers / Celery (MB)",
        lambda r: (
            " + ".join(map(str, r["rss_mb"]["gunicorn_workers"])) + " / " + " + ".join(map(str, r["rss_mb"]["celery"]))
        ),
    )
    lines += ["", "| goal (largest factor) | met | measured |", "|---|---|---|"]
    lines += [f"| {g['goal']} | {'yes' if g['met'] else '**no**'} | {g['detail']} |" for g in results["goals"]]
    split = results.get("split")
    if split and len(split["pages"]) > 1:
        lines += [
            "",
            f"Where the time goes on the pages below {SHARE_OF_TRIVIAL:.0%} of the trivial page (×{split['factor']}, "
            "in-process, one request at a time):",
            "",
            "| page | time per request | templates | SQL | rest (ORM, forms, selectors, middleware) |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {p['label']} | {p['ms']:g} ms | {p['templates_percent']} % | {p['sql_percent']} % | "
            f"{p['rest_percent']} % |"
            for p in split["pages"]
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("make bench needs wrk (Debian package `wrk`: apt-get install wrk)")
    if not shutil.which("psql"):
        raise SystemExit("make bench needs psql (Debian package `postgresql-client`)")
    VAR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    results: dict = {
        "run": {
            "date": datetime.date.today().isoformat(),
            "machine": f"{os.cpu_count()} cores",
            "commit": commit.stdout.strip() or "unknown",
            "clients": CLIENTS,
            "seconds": SECONDS,
            "quick": QUICK,
        },
        "factors": {},
    }
    for factor in FACTORS:
        env = environment(factor)
        seed(factor, env)
        results["factors"][str(factor)] = measure(factor, env)
    results["goals"] = goals(results)
    # Where the time goes on the pages below the throughput goal (and the trivial page, for scale): in-process
    # on the largest factor's database, with the stack stopped (no load beside it).
    top = str(FACTORS[-1])
    below = [
        p["key"]
        for p in results["factors"][top]["pages"]
        if p["kind"] in ("page", "list", "post") and p["share_of_trivial"] < SHARE_OF_TRIVIAL
    ]
    results["split"] = {
        "factor": int(top),
        "pages": inprocess(environment(int(top)), "split", "--requests", "10" if QUICK else "30", "trivial", *below),
    }
    results["run"]["total_seconds"] = round(time.monotonic() - started)
    RESULTS.with_suffix(".json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    table = markdown(results)
    RESULTS.with_suffix(".md").write_text(table)
    print(table)
    log(f"done in {results['run']['total_seconds']} s: {RESULTS.with_suffix('.json')}, {RESULTS.with_suffix('.md')}")


if __name__ == "__main__":
    main()
