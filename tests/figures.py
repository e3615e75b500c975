"""Figures the security tests count as they pass (requests tried, refused, changed nothing), written at the end of
the run to test-artifacts/<report>.json and printed, for SECURITY.md. A failing check fails its test; the figures
only count checks that held.

Two reports: "figures" (the access tests, counted with `count`) and "fuzz-figures" (tests/test_fuzz.py, set with
`record`). With pytest-xdist each test process sends its counts to the controller (`send`, `receive`), which
writes and prints the sum once."""

import collections
import json
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
REPORTS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
FIGURES = REPORTS["figures"]
LABELS = {"figures": "Security figures", "fuzz-figures": "Fuzz figures"}


def count(key: str, n: int = 1) -> None:
    FIGURES[key] += n


def record(report: str, figures: dict[str, int]) -> None:
    REPORTS[report].update(figures)


def send(config) -> None:
    """In a pytest-xdist worker: the counts go to the controller with the worker's output."""
    config.workeroutput["figures"] = {name: dict(counter) for name, counter in REPORTS.items() if counter}


def receive(workeroutput: dict) -> None:
    for name, counter in workeroutput.get("figures", {}).items():
        REPORTS[name].update(counter)


def write(reporter) -> None:
    for name, counter in sorted(REPORTS.items()):
        if not counter:
            continue
        ARTIFACTS.mkdir(exist_ok=True)
        artifact = ARTIFACTS / f"{name}.json"
        artifact.write_text(json.dumps(dict(sorted(counter.items())), indent=2) + "\n")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(f"{LABELS.get(name, name)} (test-artifacts/{artifact.name}): " + ", ".join(
                f"{key} {value}" for key, value in sorted(counter.items())
            ))  # fmt: skip
