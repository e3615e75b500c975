# Production image for diepholz_coord: one image for web (gunicorn), Celery worker, Celery beat and migrations.
# See docker-compose.yml for how the services are started.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# System libraries WeasyPrint loads at run time (Pango, HarfBuzz incl. its subsetter, Fontconfig) and one
# font family. Translations (.mo) are committed, so gettext is not needed in the image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user that runs every process of the stack.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies in their own layer, rebuilt only when the lock changes: the runtime lock (`make lock` generates
# it from pyproject.toml), every file checked against its hash. The project itself ships no package
# (`[tool.setuptools] packages = []`): the application runs from /app.
COPY requirements/lock-runtime.txt /tmp/lock-runtime.txt
RUN pip install --no-cache-dir --require-hashes --requirement /tmp/lock-runtime.txt \
    && rm /tmp/lock-runtime.txt

# Application source (see .dockerignore), owned by root and read-only for the app user.
COPY . .

# Static files are collected at build time (into STATIC_ROOT) and served by WhiteNoise. The SECRET_KEY here
# exists only for this RUN line; the real one comes from the environment at run time. Importing the settings
# creates var/ and, without REDIS_URL, the filesystem broker's var/celery/, which production does not use.
# The app user may write var/ itself (beat's schedule) and var/media/ (uploads, a volume in compose); the
# collected static files stay owned by root.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && rm -rf /app/var/celery \
    && mkdir -p /app/var/media \
    && chown app:app /app/var /app/var/media

USER app

EXPOSE 8000

CMD ["gunicorn", "diepholz_coord.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
