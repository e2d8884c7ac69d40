"""Properties of the publicity-period reader over generated notices (Hypothesis).

Whatever the form, separator, label (or none) and closing words, the window a
notice states is the window read; a notice that states none gets none, with
an inspection window in its opening, decoy dates in its body, office hours,
correction notes and the signature's date all around. Run with ``CI=1`` for
the CI profile (10,000 examples of the no-invention property).
"""

from __future__ import annotations

from hypothesis import given, settings

from crawler.parsing.article import parse_article
from tests.parsing.conftest import EXAMPLES
from tests.support.notice_text import GeneratedNotice, notices

URL = "https://www.gdjct.gd.gov.cn/xunshizgls/content/post_123456.html"


def read(notice: GeneratedNotice):
    return parse_article(notice.html, URL).publicity


@settings(max_examples=EXAMPLES["found"])
@given(notices(with_window=True))
def test_the_window_stated_is_the_window_read(notice: GeneratedNotice) -> None:
    period = read(notice)
    assert (period.start, period.end) == notice.expected, "\n".join(notice.lines)
    assert period.source in ("label", "role") and period.raw


@settings(max_examples=EXAMPLES["no_invention"])
@given(notices(with_window=False))
def test_no_window_is_invented(notice: GeneratedNotice) -> None:
    period = read(notice)
    assert (period.start, period.end, period.days) == (None, None, None), "\n".join(notice.lines)
    assert period.source == "none"
