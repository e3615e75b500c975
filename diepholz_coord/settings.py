"""Settings for diepholz_coord: one module, driven by the environment.

Every setting that can be changed from outside is read here with its default and documented in
`.env.example`. There are no production-only code paths: tests, `make run` and production differ only in
the environment.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` overrides the defaults below; the real environment overrides both.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Everything the running product writes (SQLite database, Celery's filesystem broker, beat schedule, static
# files, media) lives under this folder.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# Development default only; production sets SECRET_KEY (docker-compose.yml refuses to start without it).
SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin with the two-factor admin site (diepholz_coord.admin_site).
    "diepholz_coord.admin_site.TwoFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
    "django_filters",
    "auditlog",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "diepholz_coord",
    "courses",
    "participants",
    "transitions",
    "meetings",
    "register",
    "developments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before everything below: they get the security headers above and the
    # long cache headers WhiteNoise sets, never no-store.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy (django-csp) and Permissions-Policy / Cache-Control: no-store on every response
    # Django produces (pages, partials, PDFs, exports, the 400 and 503 pages below).
    "csp.middleware.CSPMiddleware",
    "diepholz_coord.middleware_headers.SecurityHeadersMiddleware",
    "diepholz_coord.middleware_input.RefuseHostileInputMiddleware",  # 400 for a NUL byte anywhere in the request
    "diepholz_coord.middleware_outage.DatabaseOutageMiddleware",  # database down: 503, before session and auth
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Moves the session's idle deadline (8 hours) at most every few minutes; see SESSION_REFRESH_SECONDS.
    "diepholz_coord.middleware_session.SessionRefreshMiddleware",
    "diepholz_coord.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives request.user is_verified(): whether this session passed the code step of the two-factor login.
    "django_otp.middleware.OTPMiddleware",
    # Deny by default: every view needs a login unless it opts out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Until the code step is passed (or the required app set up) only those pages and logout answer.
    "diepholz_coord.middleware_otp.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the acting user (and address, see TRUSTED_PROXY_COUNT) on audit log entries made during a request.
    "diepholz_coord.middleware_audit.AuditMiddleware",
    # Login throttling (django-axes); last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

# Login throttling: after AXES_FAILURE_LIMIT wrong passwords for one username from one address, that
# combination waits AXES_COOLOFF_MINUTES (other people at the same county address can still log in).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "diepholz_coord.views.login_locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "diepholz_coord.urls"
WSGI_APPLICATION = "diepholz_coord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "diepholz_coord.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL is set (PostgreSQL with psycopg 3 in CI and production).
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file in `make run`: take the write lock up front and wait for it
    # instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A kept connection is checked before its first use in a request, so one that died (database restarted)
    # is replaced instead of failing the request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database host that does not answer (network, failover) must not hold a worker for long: psycopg gives
    # up connecting after this many seconds (a `?connect_timeout=` in DATABASE_URL wins).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Planner settings for a web application's short queries (`make bench`, ten times the county):
    # - JIT pays off for long analytical queries, not for these: it added 25–60 ms to list queries. Off unless
    #   POSTGRES_JIT=on.
    # - The ORM writes its joins from the listed table outwards, an order that is already good; searching all
    #   orders of a list's dozen joins (the handover board) took 9.6 ms of planning for 1.6 ms of execution.
    #   join_collapse_limit 4 (server default 8) cut it to 2.5 ms and no measured query ran slower.
    #   POSTGRES_JOIN_COLLAPSE_LIMIT sets another value; empty keeps the server's.
    planner = [] if env.bool("POSTGRES_JIT", default=False) else ["-c jit=off"]
    join_collapse_limit = env.str("POSTGRES_JOIN_COLLAPSE_LIMIT", default="4")
    if join_collapse_limit:
        planner.append(f"-c join_collapse_limit={int(join_collapse_limit)}")
    if planner:
        DATABASES["default"]["OPTIONS"].setdefault("options", " ".join(planner))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Checked wherever a password is chosen (password change, staff accounts of providers, admin); `seed_demo` sets the
# documented demo password directly. The local list refuses "Sommer2026", "Diepholz123" and the like.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "diepholz_coord.password_validation.LocalWordsPasswordValidator"},
]

# Two-factor login (authenticator app, recovery codes): required for the coordinator, provider admins and admin
# (is_staff) accounts. Only the demo (`make run`) and the test suite switch it off; a user who has set up an app
# enters a code either way.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
# The name the authenticator app shows for the account.
OTP_TOTP_ISSUER = "Sprachkurse Landkreis Diepholz"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# German first, English second. Interface strings are English msgids translated in locale/de.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns when it is missing (before the first collectstatic)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed, but without a manifest so templates render before `collectstatic` (tests, make run).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {40: "danger"}  # messages.ERROR → Bootstrap's alert-danger

# E-mail: console unless EMAIL_URL is given (smtp://, smtp+tls://, consolemail://, ...).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A hung mail server must not hold a worker (or a request) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Sprachkurskoordination Landkreis Diepholz <kurse@example.org>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when REDIS_URL is set; otherwise the filesystem transport under var/ (no services needed).
REDIS_URL = env.str("REDIS_URL", default="")
# Django's cache, shared by every process of the installation (the district overview's figures,
# transitions.metrics): Redis when REDIS_URL is set, otherwise files under var/ (no services needed).
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CELERY_BROKER_DIR = VAR_DIR / "celery"
# The queue tasks are sent to and the worker reads ("celery"); a queue of its own lets a test's worker share a
# Redis with others without taking their tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    CELERY_BROKER_URL = "filesystem://"
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Exchange tables; kombu's default is a "control" folder in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
# State lives in our own models; nobody reads task results.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint grows memory across documents: recycle worker processes.
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Domain settings.
# A free-places report older than this is "stale": flagged in the district overview and reminded weekly.
STALE_REPORT_DAYS = env.int("STALE_REPORT_DAYS", default=14)
# The address people reach the site at, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Public name of the county shown in headers, e-mails and PDFs.
COUNTY_NAME = "Landkreis Diepholz"
# The sender line at the top of agendas, minutes and register PDFs (county, office, address).
LETTERHEAD = env.str("LETTERHEAD", default="Landkreis Diepholz · Der Landrat · Niedersachsenstraße 2 · 49356 Diepholz")

# Participants without any activity (changes, enrollments, consents) for this many months are anonymised
# by the daily retention job; aggregate figures stay.
RETENTION_MONTHS = env.int("RETENTION_MONTHS", default=24)
# Courses ending within this many weeks are listed for follow-up handovers ("ending courses").
ENDING_COURSE_WEEKS = env.int("ENDING_COURSE_WEEKS", default=8)
# An accepted handover holds a place in the target course until this many days after the course's start; if the
# person has not started by then, the place is given back (the handover stays open for "started" or "no-show").
RESERVATION_DAYS_AFTER_START = env.int("RESERVATION_DAYS_AFTER_START", default=7)
# Hour of the day (local time) from which due agendas are published: the daily beat job runs then, and the
# sweep publishes only from then on (nobody gets an agenda at night).
AGENDA_PUBLISH_HOUR = env.int("AGENDA_PUBLISH_HOUR", default=6)
# Aggregates shown to county staff hide counts below this (small numbers could identify people).
SMALL_NUMBER_LIMIT = 3
# Audit entries keep JSON changes (old/new per field), readable per participant by the coordinator.
AUDITLOG_STORE_JSON_CHANGES = True

# How many proxies in front of the application append to X-Forwarded-For (diepholz_coord/client_ip.py): the
# audit log's addresses trust the header only that far. 1 behind the compose proxy, 0 without a proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if env.bool("SECURE_PROXY", default=False) else 0)

# Behind a TLS-terminating proxy (docker-compose in production).
if env.bool("SECURE_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's address for login throttling (django-axes through django-ipware) is the one the proxy appended
    # to X-Forwarded-For: its last entry. Entries a client sent itself stand before it and are ignored (proxy
    # count 0 = no further proxy between the client and ours; not strict = a longer, spoofed chain is allowed).
    # Without SECURE_PROXY only REMOTE_ADDR counts (axes' default), so nobody can lock a login by a header.
    AXES_IPWARE_PROXY_COUNT = 0
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    IPWARE_STRICT = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # HSTS for a year, for the site's own subdomains too (a county host such as kurse.example.org has none
    # that serve plain http). Preloading is a decision for the county's whole domain, not for this site.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # `check --deploy` asks for preloading; without the county's decision it stays off, on purpose.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Django's default, stated because the response-header test relies on it: other sites never see our paths.
SECURE_REFERRER_POLICY = "same-origin"

# Sessions end when the browser closes and after 8 hours without a request: the session is saved again (its
# deadline moved) when its last save is SESSION_REFRESH_SECONDS old (diepholz_coord.middleware_session), rather
# than on every request as SESSION_SAVE_EVERY_REQUEST would.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_REFRESH_SECONDS = 5 * 60

# Content-Security-Policy (django-csp 4): only our own origin, no inline script or style, no plugins, never
# framed. Bootstrap's CSS draws its icons from data: URLs. Every script and style is a static file (htmx is
# configured in base.html not to inject its indicator style and not to eval).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Browser features the product never uses, switched off for every page (diepholz_coord.middleware_headers).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Calendar feed URLs carry their token, the only credential of the feed: masked in every log line.
    "filters": {"calendar_tokens": {"()": "diepholz_coord.log_masking.CalendarTokenFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["calendar_tokens"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every layout step at INFO, django-axes every successful login.
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint.progress": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
