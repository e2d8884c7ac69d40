"""``zgwatch site DIR`` and ``zgwatch serve``: the commands, their output and their bad input."""

from __future__ import annotations

import socket
import subprocess
import urllib.request

from core import sitemap
from tests.cli.test_cli import ZGWATCH, one_line_error, zgwatch
from zgwatch.config import load_settings


def store(story) -> list[str]:
    return ["--db", str(story.data / "zgwatch.duckdb"), "--data-dir", str(story.data)]


def test_site_writes_the_site_then_only_what_changed(story, tmp_path):
    out = tmp_path / "public"
    first = zgwatch("site", str(out), *store(story), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "full build" in first.stdout and "46 notices" in first.stdout
    for name in (sitemap.INDEX, sitemap.CHANGES, sitemap.HEALTH, sitemap.FEED):
        assert (out / name).is_file()
    assert (out / sitemap.notice_page(story.ids["EDITED"])).is_file()
    assert (out / sitemap.archived_copy(story.ids["EDITED"], 3)).is_file()
    again = zgwatch("site", str(out), *store(story), cwd=tmp_path)
    assert again.returncode == 0 and "incremental build" in again.stdout
    assert "0 notice pages" in again.stdout
    full = zgwatch("site", str(out), "--full", *store(story), cwd=tmp_path)
    assert "full build" in full.stdout


def test_site_refuses_a_folder_it_did_not_make(story, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    line = one_line_error(zgwatch("site", str(mine), *store(story), cwd=tmp_path), 2)
    assert "not a zgwatch site" in line and str(mine) in line
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    line = one_line_error(zgwatch("site", str(blocker / "site"), *store(story), cwd=tmp_path), 2)
    assert "cannot create" in line


def test_site_without_a_warehouse_exits_1(tmp_path):
    line = one_line_error(zgwatch("site", str(tmp_path / "s"), "--db", str(tmp_path / "no.duckdb"),
                                  cwd=tmp_path), 1)  # fmt: skip
    assert "does not exist" in line


def test_a_bad_public_base_url_exits_2_naming_where_it_came_from(story, tmp_path):
    line = one_line_error(zgwatch("site", str(tmp_path / "s"), *store(story), cwd=tmp_path,
                                  env={"ZGWATCH_SITE_URL": "ftp://x.org/"}), 2)  # fmt: skip
    assert "ZGWATCH_SITE_URL" in line


def test_settings_know_where_the_site_goes(tmp_path):
    settings = load_settings({"data_dir": tmp_path}, env={})
    assert settings.site_folder == tmp_path / "site" and settings.site_url is None
    settings = load_settings({}, env={"ZGWATCH_SITE_DIR": "/srv/www/zg",
                                      "ZGWATCH_SITE_URL": "https://zg.example.org/w"})
    assert str(settings.site_folder) == "/srv/www/zg"
    assert settings.site_url == "https://zg.example.org/w/"
    assert sitemap.join(settings.site_url, sitemap.notice_page("202033")) == \
        "https://zg.example.org/w/notices/202033.html"  # fmt: skip


def test_serve_shows_the_site_with_its_headers(story, tmp_path):
    proc = subprocess.Popen([str(ZGWATCH), "serve", str(story.site_dir), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("site: http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[1]
        with urllib.request.urlopen(url + sitemap.INDEX) as r:
            assert r.status == 200 and "整改落实" in r.read().decode()
        archived = url + sitemap.archived_copy(story.ids["HOSTILE"], 1)
        with urllib.request.urlopen(archived) as r:
            assert "sandbox" in r.headers["Content-Security-Policy"]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_serve_defaults_to_the_publish_steps_folder(story, tmp_path):
    proc = subprocess.Popen([str(ZGWATCH), "serve", "--data-dir", str(story.data), "--port", "0"],
                            stdout=subprocess.PIPE, text=True, cwd=tmp_path)  # fmt: skip
    try:
        assert str(story.site_dir) in proc.stdout.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_serve_bad_input_is_one_line_and_exit_2(story, tmp_path):
    line = one_line_error(zgwatch("serve", str(story.site_dir), "--port", "70000",
                                  cwd=tmp_path), 2)  # fmt: skip
    assert "port" in line
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(zgwatch("serve", str(story.site_dir), "--port", str(port),
                                      cwd=tmp_path), 2)  # fmt: skip
    assert f"--port {port}" in line
    line = one_line_error(zgwatch("serve", str(tmp_path / "nothing"), "--port", "0",
                                  cwd=tmp_path), 2)  # fmt: skip
    assert "no site in" in line


def test_help_lists_site_and_serve():
    out = zgwatch("--help").stdout
    assert "site" in out and "serve" in out
    site_help = zgwatch("site", "--help").stdout
    assert "--db" in site_help and "--data-dir" in site_help and "--config" in site_help
    assert "--notify" not in site_help  # only the options that apply
