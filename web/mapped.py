"""A worker's resident index pages, bounded between requests.

Searches read posting arrays from files mapped into the worker (search/sidecar.py). Every page a search reads
stays mapped, and so counts in the worker's resident size, until the build is closed: at ten times the laws
corpus a worker held about 2.7 GB of them besides its own 240 MB. They are the OS page cache's pages, shared by
the workers, and stay there when a worker lets them go; so after a request, a worker holding more than
GOVLAW_MAPPED_MB (MAPPED_MB) of mapped pages beyond what it held once opened releases them (search.sidecar.
release_mapped), and its next searches map what they read again (minor faults, no disk reads while the page
cache holds the index). gunicorn's post_request hook (web/gunicorn.conf.py) calls `after_request` once the
response is sent.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from search.sidecar import release_mapped

DEFAULT_MAPPED_MB = 16
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def resident_file_bytes() -> int:
    """This process's resident pages of mapped files and shared memory (statm's third field), in bytes."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[2]) * _PAGE_BYTES


class MappedBudget:
    """Releases the mapped index pages once more than `budget_mb` of them are resident beyond the baseline (what
    libraries and the like map, measured by `settle` right after a release)."""

    def __init__(
        self,
        budget_mb: float,
        resident: Callable[[], int] = resident_file_bytes,
        release: Callable[[], int] = release_mapped,
    ):
        if budget_mb < 0:
            raise ValueError(f"MAPPED_MB must be 0 or more, not {budget_mb}")
        self.budget = int(budget_mb * 1024 * 1024)
        self._resident = resident
        self._release = release
        self.baseline: int | None = None
        self.releases = 0

    def settle(self) -> None:
        """Release what opening and warming mapped, and take what stays resident as the baseline."""
        self._release()
        self.baseline = self._resident()

    def after_request(self) -> bool:
        """Release the mapped pages if they exceed the budget; whether they were."""
        if self.baseline is None:
            self.settle()
            return False
        if self._resident() - self.baseline <= self.budget:
            return False
        self._release()
        self.releases += 1
        return True
