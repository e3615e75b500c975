"""Handovers between courses and providers, and matching of follow-up courses (see the transitions issue)."""
