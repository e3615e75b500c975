"""Signals of participant data for decoupled side effects in other apps (never the main flow).

- ``consent_revoked(consent, actor)``: sent inside the revoking transaction; transitions marks the person's open
  handovers to that provider as waiting for a consent and tells the giving side (after commit).
"""

from django.dispatch import Signal

consent_revoked = Signal()
