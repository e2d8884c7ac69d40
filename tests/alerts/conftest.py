"""Fixtures for the alert tests: a real warehouse file, real SMTP and HTTP sinks on loopback."""

from __future__ import annotations

import pytest

from tests.alerts.helpers import Warehouse
from warehouse.db import connect
from zgwatch.sinks import MailSink, WebhookSink


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "zgwatch.duckdb", lock_wait=5)
    yield c
    c.close()


@pytest.fixture
def wh(con) -> Warehouse:
    return Warehouse(con)


@pytest.fixture
def mail():
    with MailSink() as sink:
        yield sink


@pytest.fixture
def hook():
    with WebhookSink() as sink:
        yield sink
