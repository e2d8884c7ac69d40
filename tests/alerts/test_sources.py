"""Alerts name their source (site and column), and a destination follows only the sources and
units it names: mail subjects, bodies, the webhook's ``source`` object, digests, operators'
messages, over a real SMTP server and a real webhook on loopback (issue 22 item 7, 28)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from alerts.destinations import Destination
from alerts.run import run_alerts
from core.errors import ConfigError
from core.regions import GUANGDONG, NEEDS_CITY
from core.sources import Source
from tests.alerts.helpers import NO_PAUSE, SOURCE, config, valid
from zgwatch.config import load_settings
from zgwatch.sinks import WebhookSink

STATIONING = Source(id="gd-xsgg", url=SOURCE, name="南粤清风网 · 巡视公告", kind="stationing")
HOOK = "json://127.0.0.1:9/"  # nothing is sent in the unit tests


def run(con, cfg):
    return run_alerts(con, cfg, retry_pauses=NO_PAUSE)


def test_with_several_sources_subjects_and_bodies_name_the_source(wh, con, mail, hook):
    wh.notice("101", "中共珠海市委关于巡视整改进展情况的通报", "中共珠海市委")
    change = wh.event("101", "new")
    with WebhookSink() as digests:
        cfg = config(mail.url(), hook.url(), source=STATIONING, several_sources=True,
                     destinations=(Destination(url=digests.url(), digest=True),))
        assert run(con, cfg).pending == 0
        (msg,) = mail.wait_for(1, timeout=10)
        assert msg["Subject"] == ("[zgwatch][南粤清风网 · 巡视公告] 新通报 · 6月4日截止 | "
                                  "中共珠海市委关于巡视整改进展情况的通报")
        assert "来源：南粤清风网 · 巡视公告" in msg.get_body(("html",)).get_content()
        assert "南粤清风网 · 巡视公告" in msg.get_body(("plain",)).get_content()
        (post,) = hook.wait_for(1, timeout=10)
        (facts,) = valid([post])  # the schema (version 3) requires the source
        assert facts["version"] == 3 and facts["change_ids"] == [change]
        assert facts["source"] == {"id": "gd-xsgg", "name": "南粤清风网 · 巡视公告",
                                   "kind": "stationing", "url": SOURCE}
        assert "来源: 南粤清风网 · 巡视公告" in post["json"]["message"]
        (digest,) = valid(digests.wait_for(1, timeout=10))
        assert digest["message"] == "digest" and digest["source"]["id"] == "gd-xsgg"
        title = digests.accepted[0]["json"]["title"]
        assert title.startswith("[zgwatch][南粤清风网 · 巡视公告] 本轮汇总")


def test_with_one_source_subjects_stay_as_they_were_and_bodies_still_name_it(wh, con, mail,
                                                                           hook):
    wh.notice("101", "中共珠海市委关于巡视整改进展情况的通报", "中共珠海市委")
    wh.event("101", "new")
    run(con, config(mail.url(), hook.url()))
    (msg,) = mail.wait_for(1, timeout=10)
    assert msg["Subject"].startswith("[zgwatch] 新通报")
    assert "来源：南粤清风网 · 整改落实" in msg.get_body(("html",)).get_content()
    (facts,) = valid(hook.wait_for(1, timeout=10))
    assert facts["source"]["id"] == "default" and facts["source"]["name"] == "南粤清风网 · 整改落实"


def test_operators_messages_name_the_source(wh, con, hook):
    with WebhookSink() as ops:
        cfg = config(hook.url(), operators=(ops.url(),), source=STATIONING, several_sources=True)
        wh.batch("20250602T000000Z-000001", list_outcome="blocked", articles=(), http_status=412)
        assert run(con, cfg).incidents_opened == 1
        (facts,) = valid(ops.wait_for(1, timeout=10))
        assert facts["message"] == "incident" and facts["source"]["name"] == "南粤清风网 · 巡视公告"
        title = ops.accepted[0]["json"]["title"]
        assert title.startswith("[zgwatch][南粤清风网 · 巡视公告] 运行故障")


def test_a_destination_hears_only_of_the_sources_it_follows(wh, con, mail, hook):
    wh.notice("101", "中共珠海市委关于巡视整改进展情况的通报", "中共珠海市委")
    wh.event("101", "new")
    elsewhere = Destination(url=hook.url(), sources=("gd-zgls",))
    here = Destination(url=mail.url(), sources=("gd-zgls", "gd-xsgg"))
    report = run(con, config(destinations=(elsewhere, here), source=STATIONING,
                             several_sources=True))
    assert (report.queued, report.pending) == (1, 0)
    queued = con.execute("SELECT DISTINCT url_hash FROM outbox").fetchall()
    assert queued == [(here.url_hash,)]
    assert len(mail.wait_for(1, timeout=10)) == 1 and hook.messages == []
    assert Destination(url=HOOK, audience="operators", sources=("x",)).wants_source("y")


def test_units_match_however_the_unit_is_written(wh, con, mail):
    wh.notice("301", "关于巡视整改进展情况的通报", "珠海市金湾区委员会")
    wh.notice("302", "关于巡视整改进展情况的通报", "中共珠海市香洲区委")
    mine = wh.event("301", "new")
    wh.event("302", "new")
    unit = Destination(url=mail.url(), units=("中共珠海市金湾区委",))
    run(con, config(destinations=(unit,)))
    assert con.execute("SELECT change_id FROM outbox").fetchall() == [(mine,)]


DISTRICTS = [(city, d) for city, ds in GUANGDONG.items() for d in ds if d not in NEEDS_CITY]


@given(st.sampled_from(DISTRICTS), st.sampled_from(["中共{}委", "{}委员会", "中共{}委员会"]),
       st.sampled_from(["中共{}委", "{}委"]))
def test_a_units_committee_is_one_unit_in_every_way_it_is_written(division, written, named):
    city, district = division
    place = city + district
    unit = Destination(url=HOOK, units=(named.format(place),))
    assert unit.wants_notice("…", written.format(place))
    assert not unit.wants_notice("…", written.format(city))  # the city's committee is another
    assert not unit.wants_notice("…", None)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("sources", ["Not An Id"], "sources"),
    ("units", [""], "units"),
])
def test_a_malformed_filter_is_refused(field, value, message):
    with pytest.raises(ValidationError, match=message):
        Destination(url=HOOK, **{field: value})


REGISTRY = """
[[sources]]
id = "gd-zgls"
url = "http://127.0.0.1:9/xunshizgls/"
name = "南粤清风网 · 整改落实"

[[sources]]
id = "gd-xsgg"
url = "http://127.0.0.1:9/xsgg/"
name = "南粤清风网 · 巡视公告"
kind = "stationing"
"""


def test_a_destination_following_an_unknown_source_is_refused_in_one_line(tmp_path):
    path = tmp_path / "zgwatch.toml"
    path.write_text(REGISTRY + '\n[[destinations]]\nurl = "json://127.0.0.1:9/"\n'
                    'sources = ["gd-zgls", "gd-nope"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"gd-nope: no such source \(the sources are: "
                                          r"gd-zgls, gd-xsgg\)") as err:
        load_settings(env={}, config_file=path)
    assert "\n" not in str(err.value) and err.value.exit_code == 2
    variable = [("Airflow Variable zgwatch_settings key {}",
                 {"destinations": [{"url": HOOK, "sources": ["default"], "units": ["金湾区委"]}]})]
    settings = load_settings(env={}, layers=variable)  # no registry: the default source
    assert settings.destinations[0].units == ("金湾区委",)
    with pytest.raises(ConfigError, match="gd-zgls: no such source"):
        load_settings(env={}, layers=[(variable[0][0], {"destinations": [
            {"url": HOOK, "sources": ["gd-zgls"]}]})])


def test_the_alert_config_carries_the_current_source_and_whether_there_are_several(tmp_path):
    path = tmp_path / "zgwatch.toml"
    path.write_text(REGISTRY, encoding="utf-8")
    settings = load_settings(env={}, config_file=path)
    stationing = settings.for_source(settings.source_list[1]).alert_config()
    assert stationing.source.id == "gd-xsgg" and stationing.several_sources
    single = load_settings(env={}).alert_config()
    assert single.source.id == "default" and not single.several_sources
