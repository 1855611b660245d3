"""Bounced reminder mail: delivery status notifications read from .eml, mbox and Maildir set "contact bouncing"."""

from __future__ import annotations

import mailbox
from email import message_from_bytes

from sqlmodel import select

from directory.bounces import bounces_in, read_messages
from directory.models.freshness import EmailBounce, ServiceFlag

from .conftest import MODERATOR, answer, freshness_run, inbox, listing, review_links


def dsn(
    address: str, *, action: str = "failed", status: str = "5.1.1", message_id: str = "<dsn-1@mx.example>"
) -> bytes:
    """A delivery status notification as a mail server sends it (RFC 3464)."""
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.example>
To: signpost@localhost
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example
Arrival-Date: Mon, 23 Nov 2026 09:59:58 +0000

Final-Recipient: rfc822; {address}
Original-Recipient: rfc822;{address}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <{address}>: Recipient address rejected: User unknown

--B
Content-Type: text/rfc822-headers

From: Signpost <signpost@localhost>
To: {address}
Subject: Is your Signpost listing still correct? Community pantry

--B--
""".encode()


ORDINARY = b"From: someone@example.org\nTo: signpost@localhost\nSubject: Thanks\n\nThank you for the reminder!\n"


def test_a_permanent_failure_is_a_bounce_and_a_delay_is_not():
    [bounce] = bounces_in(message_from_bytes(dsn("Hello@Pantry.example")))
    assert (bounce.address, bounce.status) == ("hello@pantry.example", "5.1.1")
    assert "User unknown" in bounce.diagnostic and bounce.when.isoformat() == "2026-11-23T10:00:00+00:00"
    assert bounces_in(message_from_bytes(dsn("a@example.org", action="delayed", status="4.4.1"))) == []
    assert bounces_in(message_from_bytes(ORDINARY)) == []


def test_mbox_maildir_folder_and_single_file_are_all_read(tmp_path):
    box = mailbox.mbox(tmp_path / "bounces.mbox")
    box.add(dsn("a@example.org"))
    box.add(ORDINARY)
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(dsn("b@example.org"))
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "1.eml").write_bytes(dsn("c@example.org"))
    (tmp_path / "one.eml").write_bytes(dsn("d@example.org"))
    found = {
        name: [b.address for m in read_messages(tmp_path / name) for b in bounces_in(m)]
        for name in ("bounces.mbox", "Maildir", "folder", "one.eml")
    }
    assert found == {
        "bounces.mbox": ["a@example.org"],
        "Maildir": ["b@example.org"],
        "folder": ["c@example.org"],
        "one.eml": ["d@example.org"],
    }


def test_bounces_command_flags_the_listing_and_reading_twice_counts_once(app, runner, session, tmp_path):
    service = listing(session, verified="2026-11-01")
    session.commit()
    path = tmp_path / "bounce.eml"
    path.write_bytes(dsn("hello@pantry.example"))
    result = runner.invoke(args=["freshness", "bounces", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 permanent failures, 1 new" in result.output and "1 listings are now flagged" in result.output
    flag = session.exec(select(ServiceFlag).where(ServiceFlag.service_id == service.id)).one()
    assert (flag.code, flag.reason) == (
        "contact_bouncing",
        "Email to hello@pantry.example bounces (since 23 November 2026)",
    )
    again = runner.invoke(args=["freshness", "bounces", str(path)])
    assert "0 new" in again.output
    assert len(session.exec(select(EmailBounce)).all()) == 1


def test_a_bouncing_address_is_not_written_to_again_and_the_moderators_are_told(app, runner, session, tmp_path):
    listing(session)
    session.commit()
    (tmp_path / "bounce.eml").write_bytes(dsn("hello@pantry.example"))
    runner.invoke(args=["freshness", "bounces", str(tmp_path / "bounce.eml")])
    freshness_run(runner)
    [message] = inbox(app)
    assert message["To"] == MODERATOR
    assert "Email to hello@pantry.example bounces" not in message.get_content()  # a fact, not what is asked
    assert "Due for a check" in message.get_content()


def test_an_answer_from_the_address_clears_its_bounce(app, runner, session, client, tmp_path):
    service = listing(session)
    session.commit()
    freshness_run(runner)
    (tmp_path / "bounce.eml").write_bytes(dsn("hello@pantry.example"))
    runner.invoke(args=["freshness", "bounces", str(tmp_path / "bounce.eml")])  # a later message bounced
    answer(client, review_links(inbox(app)[0])["confirm"])  # ...yet the first one was answered
    freshness_run(runner)
    session.expire_all()
    assert session.exec(select(ServiceFlag).where(ServiceFlag.service_id == service.id)).all() == []
    assert session.exec(select(EmailBounce)).one().cleared_at is not None


def test_an_unreadable_path_says_what_to_give(app, runner, tmp_path):
    mailbox.Maildir(tmp_path / "empty")
    result = runner.invoke(args=["freshness", "bounces", str(tmp_path / "empty")])
    assert result.exit_code == 0 and "Read 0 messages" in result.output
    (tmp_path / "broken" / "cur").mkdir(parents=True)  # a Maildir without its new/ folder
    result = runner.invoke(args=["freshness", "bounces", str(tmp_path / "broken")])
    assert result.exit_code == 1 and "Give an mbox file, a Maildir folder, or .eml files" in result.output
    result = runner.invoke(args=["freshness", "bounces", str(tmp_path / "missing.mbox")])
    assert result.exit_code == 2 and "does not exist" in result.output
