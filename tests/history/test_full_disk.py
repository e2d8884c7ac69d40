"""The site on a full disk: the line names the file that could not be written (issue 29, 8)."""

from __future__ import annotations

import pytest

from core.errors import os_error_text
from history.files import write_atomic
from tests.support.disk import small_disk


def test_a_page_that_does_not_fit_names_its_path(tmp_path):
    with small_disk(tmp_path / "disk", 1024) as disk:
        disk.fill()
        page = disk.path / "site" / "notices" / "1.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        with pytest.raises(OSError) as err:
            write_atomic(page, "页" * 100_000)
        assert os_error_text(err.value) == f"{page}: No space left on device"
        assert disk.files() == []  # no temporary file left
