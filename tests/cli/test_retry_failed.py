"""``zgwatch alert --retry-failed``: given-up deliveries are sent again, once, on request."""

from __future__ import annotations

import duckdb

from tests.cli.test_cli import zgwatch
from zgwatch.sinks import WebhookSink


def test_retry_failed_is_one_command_that_sends_each_given_up_delivery_once(replica, tmp_path):
    (tmp_path / "zgwatch.toml").write_text("max_attempts = 1\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    up = {"ok": False}
    with WebhookSink(status=lambda n: 200 if up["ok"] else 500) as hook:
        common = ["--notify", hook.url(), "--db", str(db), "--data-dir", str(tmp_path / "data"),
                  "--source", replica.url, "--delay", "0"]
        env = {"ZGWATCH_LOG_LEVEL": "ERROR"}
        assert zgwatch("run", *common, env=env, cwd=tmp_path).returncode == 0
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT status FROM outbox").fetchall() == [("failed",)]
        assert hook.accepted == []

        up["ok"] = True
        proc = zgwatch("alert", "--retry-failed", *common, env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("alert: re-sending 1 failed, queued 0, sent 1")
        again = zgwatch("alert", "--retry-failed", *common, env=env, cwd=tmp_path)
        assert again.returncode == 0 and "re-sending" not in again.stdout
        assert len(hook.accepted) == 1  # the baseline summary, once
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status, attempts FROM outbox").fetchall() == [("sent", 0)]
        assert con.execute("SELECT attempts_before FROM outbox_resends").fetchall() == [(1,)]
