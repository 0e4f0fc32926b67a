"""A worker releases its mapped index pages once they exceed its budget (web/mapped.py, search.sidecar)."""

from __future__ import annotations

import pytest

from search import sidecar
from web.app import after_request_sent, create_app, open_index_early
from web.mapped import MappedBudget, resident_file_bytes

MB = 1024 * 1024


class FakePages:
    """Resident bytes a test sets, and the releases asked for (which bring them back to the baseline)."""

    def __init__(self, resident: int):
        self.resident = resident
        self.base = resident
        self.releases = 0

    def read(self) -> int:
        return self.resident

    def release(self) -> int:
        self.releases += 1
        self.resident = self.base
        return 1


def test_pages_are_released_only_beyond_the_budget():
    pages = FakePages(30 * MB)
    budget = MappedBudget(16, resident=pages.read, release=pages.release)
    budget.settle()
    assert (budget.baseline, pages.releases) == (30 * MB, 1)
    pages.resident = 46 * MB  # exactly the budget beyond the baseline
    assert budget.after_request() is False
    pages.resident = 46 * MB + 1
    assert budget.after_request() is True
    assert (pages.releases, budget.releases, pages.resident) == (2, 1, 30 * MB)
    assert budget.after_request() is False


def test_a_budget_of_zero_releases_after_any_page_read_and_the_first_request_settles():
    pages = FakePages(10 * MB)
    budget = MappedBudget(0, resident=pages.read, release=pages.release)
    assert budget.after_request() is False  # no baseline yet: this settles
    assert (budget.baseline, pages.releases) == (10 * MB, 1)
    pages.resident += 4096
    assert budget.after_request() is True


def test_a_negative_budget_is_refused():
    with pytest.raises(ValueError, match="MAPPED_MB must be 0 or more, not -1"):
        MappedBudget(-1)


def test_released_pages_leave_the_process_and_read_back_the_same(tmp_path):
    path = tmp_path / "pages.bin"
    path.write_bytes(bytes(range(256)) * (32 * MB // 256))
    data = sidecar._mapped(path)
    assert data is not None
    before = resident_file_bytes()
    total = int(data.sum(dtype="uint64"))  # reads every page
    touched = resident_file_bytes()
    assert touched - before > 24 * MB
    assert sidecar.release_mapped() >= 1
    assert touched - resident_file_bytes() > 24 * MB
    assert int(data.sum(dtype="uint64")) == total == 255 * 128 * (32 * MB // 256)


def test_the_app_settles_when_it_opens_and_releases_after_requests(seed_index):
    app = create_app({"INDEX": str(seed_index), "MAPPED_MB": 0, "TESTING": True})
    open_index_early(app)
    budget = app.extensions["govlaw_mapped"]
    assert budget.budget == 0 and budget.baseline is not None
    with app.test_client() as client:
        assert client.get("/api/search?q=法治政府").status_code == 200
    after_request_sent(app)
    assert budget.releases == 1
