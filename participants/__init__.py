"""Participants, consent, enrollments and the waiting list (see the participants issue)."""
