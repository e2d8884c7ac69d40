"""Every contact phrasing, shared and our own: one row, one case."""

from __future__ import annotations

from crawler.parsing.contacts import parse_contacts


def test_contacts(contact_case: dict) -> None:
    row = contact_case
    contacts = parse_contacts(row["text"])
    assert list(contacts.phones) == row["expected_phones"]
    assert list(contacts.emails) == row["expected_emails"]
    assert contacts.postcode == row["expected_postcode"]
    assert contacts.address == row["expected_address"]
