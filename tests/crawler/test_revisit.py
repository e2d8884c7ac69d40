"""The revisit policy: hot notices every cycle, the rest once per period, spread evenly."""

from datetime import UTC, date, datetime, timedelta

from crawler.revisit import KnownNotice, RevisitPolicy, read_known

AS_OF = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def old(notice_id="1", checked=NOW - timedelta(hours=1), **kw):
    return KnownNotice(notice_id=notice_id, url=f"http://x/post_{notice_id}.html",
                       published_on=date(2024, 1, 1), last_checked_at=checked, **kw)


def policy(now=NOW):
    return RevisitPolicy(as_of=AS_OF, now=now, recent_days=30, revisit_days=7)


def test_unknown_or_never_checked_is_due():
    assert policy().is_due(None)
    assert policy().is_due(old(checked=None))


def test_recent_notice_is_due_every_cycle():
    recent = KnownNotice("2", "u", published_on=AS_OF - timedelta(days=10), last_checked_at=NOW)
    assert policy().is_due(recent)


def test_inside_or_near_publicity_period_is_due():
    inside = old(publicity_start=AS_OF - timedelta(20), publicity_end=AS_OF + timedelta(5))
    just_over = old(publicity_start=AS_OF - timedelta(40), publicity_end=AS_OF - timedelta(2))
    long_over = old(publicity_start=AS_OF - timedelta(60), publicity_end=AS_OF - timedelta(30))
    assert policy().is_hot(inside) and policy().is_hot(just_over)
    assert not policy().is_hot(long_over)


def test_old_notice_is_due_once_per_period():
    p = policy()
    n = old(checked=None)
    slot = p.last_slot(n.notice_id)
    assert slot <= NOW < slot + timedelta(days=7)
    assert not p.is_due(old(checked=slot + timedelta(seconds=1)))
    assert p.is_due(old(checked=slot - timedelta(seconds=1)))
    # checked a week ago, at the latest: always due again
    assert p.is_due(old(checked=NOW - timedelta(days=7, seconds=1)))


def test_periodic_revisits_spread_evenly_over_hourly_cycles():
    """Over a week of hourly cycles, 1,680 old notices are each fetched once, ~10 a cycle."""
    notices = {str(i): old(str(i), checked=NOW) for i in range(1680)}
    per_cycle = []
    for hour in range(1, 24 * 7 + 1):
        p = policy(NOW + timedelta(hours=hour))
        due = [nid for nid, n in notices.items() if p.is_due(n)]
        for nid in due:
            notices[nid] = old(nid, checked=p.now)
        per_cycle.append(len(due))
    assert sum(per_cycle) == 1680  # every notice once in the week
    assert max(per_cycle) <= 25  # no cycle takes a big share


def test_read_known_parses_jsonl(tmp_path):
    path = tmp_path / "known.jsonl"
    path.write_text(
        '{"notice_id": "7", "url": "u", "status": "removed", "published_on": "2024-09-26",'
        ' "publicity_end": "2024-10-25", "last_checked_at": "2026-11-26T01:02:03+00:00",'
        ' "etag": "\\"abc\\""}\n',
        encoding="utf-8",
    )
    known = read_known(path)
    assert known["7"].status == "removed"
    assert known["7"].publicity_end == date(2024, 10, 25)
    assert known["7"].etag == '"abc"'
    assert read_known(tmp_path / "missing.jsonl") == {}
