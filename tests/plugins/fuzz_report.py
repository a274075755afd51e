"""pytest plugin: how many cases each fuzzed endpoint got and what it answered, in the terminal summary.

The fuzzing tests (tests/test_fuzz_*.py) count every case through the `fuzz_tally`
fixture; the table is printed after the run, so it shows in `make test`'s output
without `-s`, and ends with one line: how many cases, how many 5xx.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

TALLY = pytest.StashKey[dict[str, Counter]]()


class FuzzTally:
    """Statuses seen per operation ("GET /api/members as merchant", "POST /webhooks signed JSON", ...)."""

    def __init__(self, seen: dict[str, Counter]):
        self.seen = seen

    def count(self, operation: str, status: int | str) -> None:
        self.seen[operation][status] += 1


def pytest_configure(config: pytest.Config) -> None:
    config.stash[TALLY] = defaultdict(Counter)


@pytest.fixture
def fuzz_tally(request: pytest.FixtureRequest) -> FuzzTally:
    return FuzzTally(request.config.stash[TALLY])


def _is_5xx(status: int | str) -> bool:
    # A crash the test client raised instead of answering is counted as "500 (raised)": a 5xx all the same.
    return str(status)[:1] == "5"


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    seen = config.stash.get(TALLY, {})
    if not seen:
        return
    width = max(len(operation) for operation in seen)
    terminalreporter.section("fuzzing: cases per endpoint")
    terminalreporter.write_line(f"{'operation':<{width}}  {'cases':>5}  {'5xx':>3}  statuses")
    for operation in sorted(seen):
        statuses = seen[operation]
        errors = sum(n for status, n in statuses.items() if _is_5xx(status))
        listed = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items(), key=lambda item: str(item[0])))
        terminalreporter.write_line(f"{operation:<{width}}  {statuses.total():>5}  {errors:>3}  {listed}")
    cases = sum(statuses.total() for statuses in seen.values())
    errors = sum(n for statuses in seen.values() for status, n in statuses.items() if _is_5xx(status))
    terminalreporter.write_line(f"fuzz: {cases} cases, {errors} 5xx")
