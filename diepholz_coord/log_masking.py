"""Calendar feed tokens out of the logs: Django's log records and gunicorn's access log (gunicorn.conf.py).

A feed URL (`/sitzungen/ical/<token>.ics`) is its own credential: whoever reads it in a log could subscribe to
someone's meetings. Both logs show such paths with the token replaced.
"""

import logging
import re

# The token segment after the feed's path, up to the end of the path (a query, a space or a quote).
_FEED_TOKEN = re.compile(r"(/sitzungen/ical/)[^/?#\s\"']+")
MASK = "[token]"


def mask_calendar_tokens(text: str) -> str:
    return _FEED_TOKEN.sub(rf"\g<1>{MASK}", text) if "/ical/" in text else text


class CalendarTokenFilter(logging.Filter):
    """Rewrites a record whose message contains a feed URL (e.g. Django's "Not Found: /sitzungen/ical/…")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_calendar_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
