"""Issuer feed names: the name itself when it is plain, a slug that cannot collide otherwise."""

from hypothesis import given
from hypothesis import strategies as st

from core import sitemap


def test_a_plain_issuer_name_is_its_feed_file():
    assert sitemap.issuer_feed("中共珠海市金湾区委") == "feeds/issuer/中共珠海市金湾区委.atom"


@given(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=60))
def test_two_issuers_never_share_a_feed_and_none_leaves_its_folder(a, b):
    fa, fb = sitemap.issuer_feed(a), sitemap.issuer_feed(b)
    assert (fa == fb) == (a == b)
    name = fa.removeprefix("feeds/issuer/")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
