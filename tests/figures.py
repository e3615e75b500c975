"""Figures the security tests count as they pass (requests tried, refused, changed nothing), written at the end of
the run to test-artifacts/figures.json and printed, for SECURITY.md. A failing check fails its test; the figures
only count checks that held."""

import collections
import json
from pathlib import Path

FIGURES: collections.Counter = collections.Counter()
ARTIFACT = Path(__file__).resolve().parents[1] / "test-artifacts" / "figures.json"


def count(key: str, n: int = 1) -> None:
    FIGURES[key] += n


def write(reporter) -> None:
    if not FIGURES:
        return
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(dict(sorted(FIGURES.items())), indent=2) + "\n")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line("Security figures (test-artifacts/figures.json): " + ", ".join(
            f"{key} {value}" for key, value in sorted(FIGURES.items())
        ))  # fmt: skip
