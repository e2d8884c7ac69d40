"""parse_gaps: every missing or doubtful field of a notice version, one branch per check."""

from __future__ import annotations

from datetime import date, timedelta

READINGS_ESTIMATED = {
    "publicity_start": {"source": "derived", "raw": "公示期为15个工作日。", "confidence": 0.9},
    "publicity_end": {"source": "derived", "raw": "公示期为15个工作日。", "confidence": 0.5,
                      "estimated": True, "working_days": True},
}  # fmt: skip
READINGS_DOUBTFUL = {
    "publicity_start": {"source": "role", "raw": "时间:2024年9月26日至10月25日", "confidence": 0.6},
    "publicity_end": {"source": "role", "raw": "时间:2024年9月26日至10月25日", "confidence": 0.6,
                      "estimated": False, "working_days": False},
}  # fmt: skip


def gaps(con) -> set[tuple[str, int, str, str]]:
    rows = con.execute("SELECT notice_id, version_no, field, reason FROM parse_gaps").fetchall()
    return set(rows)


def test_each_check_is_one_branch(cycle, column, con):
    column.add(1)  # well read: no gap
    column.add(2, period_days=None)  # a rectification notice without a window
    column.add(3, issuer="中共测试市委", body="正文。", title="关于开展某项工作的通知",
               period_days=None)  # another kind: no window is no gap  # fmt: skip
    n4 = column.add(4)
    n4.publicity_end = n4.publicity_start - timedelta(days=3)  # end before start
    n5 = column.add(5)
    n5.publicity_end = n5.published_on + timedelta(days=400)  # more than a year later
    column.add(6).readings = READINGS_ESTIMATED
    column.add(7).readings = READINGS_DOUBTFUL
    column.add(8).contacts = {"phones": [], "emails": [], "postcode": None, "address": None}
    column.add(9).issuer = None
    column.add(10).publicity_end = None  # a start and nothing more
    cycle()
    assert gaps(con) == {
        ("2", 1, "publicity_period", "missing"),
        ("4", 1, "publicity_period", "end_before_start"),
        ("5", 1, "publicity_end", "over_a_year"),
        ("6", 1, "publicity_end", "estimated"),
        ("7", 1, "publicity_period", "doubtful"),
        ("8", 1, "contacts", "missing"),
        ("9", 1, "issuer", "unknown"),
        ("10", 1, "publicity_end", "missing"),
    }
    row = con.execute(
        "SELECT latest, document_kind, title, detail, raw, confidence FROM parse_gaps"
        " WHERE notice_id = '6'"
    ).fetchone()
    assert row[:3] == (True, "rectification", column.notices["6"].title)
    assert "Monday to Friday" in row[3] and row[4] == "公示期为15个工作日。" and row[5] == 0.5


READINGS_NONE = {
    "publicity_start": {"source": "none", "raw": None, "confidence": 0.0},
    "publicity_end": {"source": "none", "raw": None, "confidence": 0.0,
                      "estimated": False, "working_days": False},
}  # fmt: skip


def test_a_notice_with_no_period_is_missing_once_never_also_doubtful(cycle, column, con):
    """The parser reads nothing with confidence 0.0: that is one gap (missing), counted once."""
    column.add(1, period_days=None).readings = READINGS_NONE
    cycle()
    assert gaps(con) == {("1", 1, "publicity_period", "missing")}
    assert con.execute("SELECT count(*) FROM parse_gaps WHERE field = 'publicity_period'"
                       ).fetchone()[0] == 1  # fmt: skip


def test_a_fixed_field_leaves_the_old_version_listed_not_the_current(cycle, column, con):
    column.add(1, period_days=None)
    cycle()
    column.edit(1, "欢迎监督。", "欢迎监督。公开期限:2024年9月26日至10月25日。")
    n = column.notices["1"]
    n.publicity_start, n.publicity_end = date(2024, 9, 26), date(2024, 10, 25)
    cycle()
    rows = con.execute("SELECT version_no, latest FROM parse_gaps WHERE notice_id = '1'").fetchall()
    assert rows == [(1, False)]


def test_versions_read_before_readings_existed_are_judged_by_their_columns(con):
    """Rows without document_kind (read before migration 003) count as 'other' kind."""
    con.execute(
        "INSERT INTO notice_versions (notice_id, version_no, text_sha256, title, body, url,"
        " first_seen_batch, first_seen_at) VALUES ('1', 1, 'x', 't', 'b', 'u', 'b1', now())"
    )
    assert gaps(con) == {("1", 1, "issuer", "unknown")}
