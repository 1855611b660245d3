"""Sending email: SMTP when configured, otherwise written to instance/mail/ for development."""

from __future__ import annotations

import functools
import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from directory.config import Config
from directory.db import after_commit

log = logging.getLogger(__name__)


def build_message(config: Config, to: list[str], subject: str, body: str) -> EmailMessage:
    """A plain-text message from Signpost."""
    message = EmailMessage()
    message["From"] = config.MAIL_FROM
    message["To"] = ", ".join(to)
    message["Subject"] = " ".join(subject.split())  # a listing name with a line break must not add headers
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="signpost")
    message.set_content(body)
    return message


def mail_after_commit(session, config: Config, to: list[str], subject: str, body: str) -> None:
    """Send the message once session's transaction commits: nothing is sent for a rolled-back change."""
    after_commit(session, functools.partial(send_mail, config, list(to), subject, body))


def send_mail(config: Config, to: list[str], subject: str, body: str) -> None:
    """Send a message to each address; failures are logged, never shown to the person acting."""
    recipients = sorted({address.strip() for address in to if address and address.strip()})
    if not recipients:
        return
    message = build_message(config, recipients, subject, body)
    if not config.SMTP_HOST:
        folder = Path(config.INSTANCE_DIR) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(message))
        log.info("Mail %r to %s written to %s (no SMTP server configured)", subject, ", ".join(recipients), path)
        return
    try:
        with smtplib.SMTP(config.SMTP_HOST, config.SMTP_PORT, timeout=20) as smtp:
            if config.SMTP_STARTTLS:
                smtp.starttls()
            if config.SMTP_USERNAME:
                smtp.login(config.SMTP_USERNAME, config.SMTP_PASSWORD)
            smtp.send_message(message)
        log.info("Mail %r sent to %s", subject, ", ".join(recipients))
    except (OSError, smtplib.SMTPException) as exc:
        # The password is never logged; the server's answer is.
        log.error("Mail %r to %s failed: %s", subject, ", ".join(recipients), exc)
