"""One Contacts (core.contacts): what the parser reads is what the batch stores and alerts read."""

from hypothesis import given
from hypothesis import strategies as st

from alerts.events import Contacts as AlertedContacts
from core.contacts import Contacts
from crawler.parsing.contacts import parse_contacts
from crawler.parsing.model import Contacts as ParsedContacts

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


def test_parser_and_alerts_share_one_type():
    assert ParsedContacts is Contacts is AlertedContacts


def test_what_the_parser_reads_reaches_the_alerts_whole():
    read = parse_contacts("联系电话：020-87654321；电子邮箱：xunshi@example.gov.cn；"
                          "通信地址：广州市越秀区某路1号；邮政编码：510000")
    stored = read.stored_json()
    assert stored["raw"] and set(stored) == {"phones", "emails", "postcode", "address", "raw"}
    back = Contacts.from_json(stored)
    assert back.as_json() == read.as_json() and back


@given(st.lists(TEXT, max_size=3), st.lists(TEXT, max_size=3), TEXT, TEXT, TEXT)
def test_stored_json_reads_back_as_what_a_reader_acts_on(phones, emails, postcode, address, raw):
    c = Contacts(phones=tuple(phones), emails=tuple(emails), postcode=postcode or None,
                 address=address or None, raw=raw or None)
    back = Contacts.from_json(c.stored_json())
    assert back.as_json() == {
        "phones": [p for p in phones if p], "emails": [e for e in emails if e],
        "postcode": postcode or None, "address": address or None,
    }

