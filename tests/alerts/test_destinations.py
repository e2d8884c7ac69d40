"""Destinations: masked names, secrets found and scrubbed, routing rules."""

from __future__ import annotations

import logging
import re

import pytest

from alerts.destinations import Destination
from alerts.logs import masking

# (URL, the secret in it) for the services of docs/interfaces.md
SECRET_URLS = [
    ("mailtos://bot:Pa55word42@smtp.example.org:465?to=a@example.org", "Pa55word42"),
    ("wecombot://a1b2c3d4-e5f6-7890-abcd-ef1234567890", "a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
    ("dingtalk://SEC0123456789abcdef@abcdefghijklmnopqrstuvwxyz0123/", "SEC0123456789abcdef"),
    ("dingtalk://abcdefghijklmnopqrstuvwxyz0123/", "abcdefghijklmnopqrstuvwxyz0123"),
    ("feishu://abcdefghij1234567890abcdefghij12", "abcdefghij1234567890abcdefghij12"),
    ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general", "TIiajkdnlazkcOXrIdevi7FQ"),
    (
        "tgram://123456789:abcdefghijklmnopqrstuvwxyz_ABCDEFG/12345",
        "abcdefghijklmnopqrstuvwxyz_ABCDEFG",
    ),
    ("json://user:Zq7Secret@127.0.0.1:8080/hook", "Zq7Secret"),
]


@pytest.mark.parametrize("url,secret", SECRET_URLS)
def test_secret_is_masked_and_scrubbed(url, secret, caplog):
    t = Destination(url=url)
    assert secret not in t.masked
    assert len(t.url_hash) == 64 and secret not in t.url_hash
    assert secret not in t.redact(f"POST {url} failed")
    caplog.set_level(logging.DEBUG)
    with masking(t.secrets):
        logging.getLogger("apprise").debug("GET URL: %s", url)
        logging.getLogger("urllib3.connectionpool").debug('"POST /send?key=%s" 200', secret)
        logging.getLogger("any.library.at.all").warning("failed: %s", url)  # no list of names
    assert secret not in caplog.text and "****" in caplog.text


@pytest.mark.parametrize("url,secret", SECRET_URLS)
def test_logs_name_a_destination_by_scheme_host_and_a_hash_of_its_secret(url, secret):
    label = Destination(url=url).label
    assert secret not in label and secret.lower() not in label
    assert label.startswith(url.split("://")[0] + "://")
    assert re.search(r" #[0-9a-f]{6}$", label)


def test_labels_tell_destinations_apart_without_showing_secrets():
    mail = Destination(url="mailtos://bot:Pa55word42@smtp.example.org:465?to=a@example.org")
    assert mail.label.startswith("mailtos://smtp.example.org:465 #")
    one, two = (Destination(url=f"wecombot://{key}").label
                for key in ("a1b2c3d4-0000-7890-abcd-ef1234567890",
                            "a1b2c3d4-1111-7890-abcd-ef1234567890"))
    assert one != two and one.startswith("wecombot://… #")  # the host is the key: hidden
    # nothing secret: the whole address, without Apprise's query noise
    assert Destination(url="json://127.0.0.1:9000/hook").label == "json://127.0.0.1:9000/hook"


def test_routing_by_kind_and_keyword():
    t = Destination(url="json://127.0.0.1/x", kinds=("edited",), match=("珠海", "汕头"))
    assert t.wants_kind("edited") and not t.wants_kind("new")
    assert t.wants_notice("中共珠海市委关于…的通报", None)
    assert t.wants_notice("关于…的通报", "汕头市人民政府")
    assert not t.wants_notice("中共广州市委关于…的通报", "中共广州市委")
    default = Destination(url="json://127.0.0.1/x")
    assert default.wants_kind("new") and not default.wants_kind("expired")
    assert default.wants_notice(None, None)
