"""gunicorn's configuration, read from the working directory by every `gunicorn` start (Dockerfile, compose,
Procfile.dev); the command lines keep the bind address, workers and access log.

- No `Server` header: gunicorn has no setting for it and always sends `Server: gunicorn`, so the response's
  default headers are filtered (tests/test_production_headers.py runs a real gunicorn and checks).
- Calendar feed tokens are masked in the access log (diepholz_coord.log_masking).
"""

import sys
from pathlib import Path

from gunicorn.glogging import Logger
from gunicorn.http import wsgi

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diepholz_coord.log_masking import mask_calendar_tokens  # noqa: E402 (needs the project on sys.path)

_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _default_headers_without_server


class TokenMaskingLogger(Logger):
    """The access log's atoms (request line, path, referer, headers) with feed tokens masked."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_calendar_tokens(value) if isinstance(value, str) else value for key, value in atoms.items()}


logger_class = TokenMaskingLogger
