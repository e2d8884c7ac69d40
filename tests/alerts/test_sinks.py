"""The local sinks the tests and the demo catch alerts with."""

from __future__ import annotations

import contextlib
import smtplib
import threading
import urllib.request
from email.message import EmailMessage

import pytest

from zgwatch.sinks import MailSink, WebhookSink


def test_mail_sink_keeps_parsed_messages():
    with MailSink() as sink:
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = "主题", "a@example.org", "b@example.org"
        msg.set_content("正文")
        with smtplib.SMTP(sink.host, sink.port) as smtp:
            smtp.send_message(msg)
        (got,) = sink.wait_for(1, timeout=5)
    assert got["Subject"] == "主题" and got.get_content().strip() == "正文"


def test_webhook_sink_answers_as_told_and_waits_without_sleeping():
    with WebhookSink(status=lambda n: 500 if n == 1 else 204) as sink:

        def post():
            req = urllib.request.Request(
                sink.url().replace("json://", "http://"), data=b'{"a": 1}', method="POST"
            )
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(req, timeout=5)

        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        got = sink.wait_for(2, timeout=5)
        for t in threads:
            t.join()
    assert sorted(m["status"] for m in got) == [204, 500]
    assert len(sink.accepted) == 1 and sink.accepted[0]["json"] == {"a": 1}
    with pytest.raises(TimeoutError):
        sink.wait_for(3, timeout=0.05)


def test_a_request_is_recorded_before_it_is_answered():
    """A sender that retries the moment it has an answer must find its first try recorded
    first: ``[500, 200]``, never ``[200, 500]``."""
    with WebhookSink(status=lambda n: 500 if n % 2 else 200) as sink:
        url = sink.url().replace("json://", "http://")
        for n in range(1, 301):
            req = urllib.request.Request(url, data=b"{}", method="POST")
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(req, timeout=5).close()
            # no waiting: the answer is in, so the request must already be there
            assert len(sink.messages) == n
