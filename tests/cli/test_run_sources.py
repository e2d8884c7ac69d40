"""``zgwatch run`` over a registry: every source in turn, each in its own folder and warehouse;
one failing never stops the others (exit 1, one line per failed source)."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urljoin

import duckdb
import pytest

from tests.cli.test_cli import one_line_error, zgwatch

pytestmark = pytest.mark.slow  # several cycles a test

QUIET = {"ZGWATCH_LOG_LEVEL": "ERROR"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def registry(tmp_path: Path, sources: list[tuple[str, str]]) -> Path:
    """A zgwatch.toml in ``tmp_path`` listing ``(id, url)`` sources; the data under data/."""
    blocks = [f'[[sources]]\nid = "{sid}"\nurl = "{url}"\nname = "{sid} 列表"\n'
              for sid, url in sources]
    text = f'data_dir = "{tmp_path / "data"}"\ndelay = 0\ntimeout = 3\n\n' + "\n".join(blocks)
    (tmp_path / "zgwatch.toml").write_text(text, encoding="utf-8")
    return tmp_path / "data"


def notices(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM notices").fetchone()[0]


def test_every_source_runs_and_one_down_stops_none(replica, tmp_path):
    root = urljoin(replica.url, "/")
    down = f"http://127.0.0.1:{_closed_port()}/xunshizgls/"
    data = registry(tmp_path, [("zgls", replica.url), ("down", down),
                               ("xsgg", urljoin(root, "swxsnew/xsgg/"))])
    proc = zgwatch("run", env=QUIET, cwd=tmp_path)
    line = one_line_error(proc, 1)
    assert line.startswith("zgwatch: source down failed: cannot read the column " + down)
    assert notices(data / "sources" / "zgls" / "zgwatch.duckdb") == len(replica.site.notice_ids())
    assert notices(data / "sources" / "xsgg" / "zgwatch.duckdb") > 0  # ran after the failure
    assert not (data / "zgwatch.duckdb").exists()  # no warehouse outside the sources' folders
    assert "source xsgg" in proc.stdout and "source zgls" in proc.stdout


def test_only_runs_one_source_with_its_own_exit_status(replica, tmp_path):
    down = f"http://127.0.0.1:{_closed_port()}/xunshizgls/"
    data = registry(tmp_path, [("zgls", replica.url), ("down", down)])
    assert zgwatch("run", "--only", "zgls", env=QUIET, cwd=tmp_path).returncode == 0
    assert not (data / "sources" / "down" / "zgwatch.duckdb").exists()
    line = one_line_error(zgwatch("run", "--only", "down", env=QUIET, cwd=tmp_path), 1)
    assert line.startswith("zgwatch: cannot read the column " + down)
    # a stage command of one source works in that source's folder
    proc = zgwatch("diff", "--only", "zgls", env=QUIET, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with duckdb.connect(str(data / "sources" / "zgls" / "zgwatch.duckdb"), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM diff_runs").fetchone()[0] == 2
