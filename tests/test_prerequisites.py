"""A missing prerequisite is a skip on a developer's machine and a failure in CI."""

import pytest

from tests.support.prerequisites import unavailable


def test_a_missing_prerequisite_is_skipped_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        unavailable("no chromium")


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_a_missing_prerequisite_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match=r"no chromium.*CI=true"):
        unavailable("no chromium")
