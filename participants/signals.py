"""Signals of participant data for decoupled side effects in other apps (never the main flow).

- ``consent_revoked(consent, actor)``: sent inside the revoking transaction; transitions marks the person's open
  handovers to that provider as waiting for a consent and tells the giving side (after commit).
- ``participant_erasing(participant, actor)``: sent inside the erasure's transaction, before the data goes;
  transitions withdraws the person's open handovers and gives their reserved places back.
"""

from django.dispatch import Signal

consent_revoked = Signal()
participant_erasing = Signal()
