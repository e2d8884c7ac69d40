"""``zgwatch alert --retry-failed``: given-up deliveries are sent again, once, on request."""

from __future__ import annotations

import json

import duckdb

from tests.cli.test_cli import one_line_error, zgwatch
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


def _open_incidents(db) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [k for (k,) in con.execute(
            "SELECT kind FROM incidents WHERE ended_at IS NULL ORDER BY kind").fetchall()]


def test_retry_failed_reads_the_airflow_variable_and_closes_no_incident_it_did_not_mend(
        replica, tmp_path):
    """The documented remedy, run as operators run it (the workers' database and data dir,
    destinations kept in the Airflow Variable): without those destinations it closes
    nothing and says so; with the Variable it re-sends, and operators hear of the recovery."""
    (tmp_path / "zgwatch.toml").write_text("max_attempts = 1\n", encoding="utf-8")
    db, data = tmp_path / "w.duckdb", tmp_path / "data"
    up = {"ok": False}
    with WebhookSink(status=lambda n: 200 if up["ok"] else 500) as hook, WebhookSink() as ops:
        variable = json.dumps({"notify": [hook.url()], "operators_notify": [ops.url("/ops")]})
        where = ["--db", str(db), "--data-dir", str(data)]
        env = {"ZGWATCH_LOG_LEVEL": "ERROR"}
        airflow = {**env, "AIRFLOW_HOME": str(tmp_path / "airflow"),
                   "AIRFLOW_VAR_ZGWATCH_SETTINGS": variable}
        ran = zgwatch("run", *where, "--source", replica.url, "--delay", "0", env=airflow,
                      cwd=tmp_path)
        assert ran.returncode == 0, ran.stderr
        before = _open_incidents(db)
        assert "deliveries_given_up" in before
        ops.wait_for(len(before))

        up["ok"] = True
        bare = zgwatch("alert", "--retry-failed", *where, env=env, cwd=tmp_path)
        assert bare.returncode == 1, bare.stdout + bare.stderr
        line = one_line_error(bare, 1)
        assert "1 delivery given up" in line and "not configured here" in line
        assert "incidents" not in bare.stdout or "/-0" in bare.stdout
        assert _open_incidents(db) == before
        assert hook.accepted == []

        mended = zgwatch("alert", "--retry-failed", *where, env=airflow, cwd=tmp_path)
        assert mended.returncode == 0, mended.stderr
        assert mended.stdout.startswith("alert: re-sending 1 failed"), mended.stdout
        assert len(hook.accepted) == 1
        assert _open_incidents(db) == []
        told = ops.wait_for(2 * len(before))
        recovered = [m for m in told if "已恢复" in json.dumps(m["json"], ensure_ascii=False)]
        assert len(recovered) == len(before)
