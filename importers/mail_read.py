"""Read email: mbox files, maildir folders, .eml files and IMAP folders, as plain-text messages."""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import imaplib
import mailbox
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

PASSWORD_VARIABLE = "SIGNPOST_IMAP_PASSWORD"
_FORWARD = re.compile(
    r"^[-\s]*(?:-{3,}\s*)?(?:Forwarded message|Begin forwarded message|Original Message)[-\s:]*$", re.I | re.M
)


@dataclass
class Mail:
    """One message as Signpost needs it: who, when, what about, and its text."""

    message_id: str
    sender: str
    date: datetime | None
    subject: str
    text: str
    where: str  # the file (and message number) it came from, for reports


class MailError(Exception):
    """The mail source cannot be read; the message says what to do."""


@dataclass(frozen=True)
class ImapFolder:
    """An IMAP folder named by URL: imaps://user@host[:port]/folder."""

    host: str
    port: int
    user: str
    folder: str
    secure: bool


def parse_imap_url(url: str) -> ImapFolder:
    """imaps://user@host/folder (or imap:// with STARTTLS-less plain connection) -> ImapFolder."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise MailError(f"'{url}' is not an IMAP address: use imaps://user@host/folder.")
    if not parts.hostname or not parts.username:
        raise MailError(f"'{url}' needs a user and a host: imaps://user@host/folder.")
    if parts.password:
        raise MailError(f"Put the password in the {PASSWORD_VARIABLE} environment variable, not in the address.")
    secure = parts.scheme == "imaps"
    return ImapFolder(
        parts.hostname,
        parts.port or (993 if secure else 143),
        unquote(parts.username),
        unquote(parts.path.lstrip("/")) or "INBOX",
        secure,
    )


def read_mail(source: str, environ: dict | None = None, connect: Callable | None = None) -> Iterator[Mail]:
    """Every message in an mbox file, maildir folder, .eml file, folder of .eml files or IMAP URL."""
    if re.match(r"^imaps?://", source):
        yield from _read_imap(parse_imap_url(source), environ or {}, connect)
        return
    path = Path(source)
    if not path.exists():
        raise MailError(
            f"{path} does not exist: give an mbox file, a maildir folder, .eml files or an imaps:// address."
        )
    if path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new")):
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.keys()):
            yield _mail(box.get_bytes(key), f"{path.name}/{key}")
    elif path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".eml", ".mbox", ".msg", ""))
        if not files:
            raise MailError(f"{path} holds no .eml or mbox files.")
        for file in files:
            yield from read_mail(str(file))
    elif path.suffix.lower() == ".eml" or not _starts_like_mbox(path):
        yield _mail(path.read_bytes(), path.name)
    else:
        box = mailbox.mbox(path, create=False)
        for number, key in enumerate(box.keys(), start=1):
            yield _mail(box.get_bytes(key), f"{path.name} message {number}")


def _starts_like_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def _read_imap(folder: ImapFolder, environ: dict, connect: Callable | None) -> Iterator[Mail]:
    password = environ.get(PASSWORD_VARIABLE)
    if not password:
        raise MailError(f"Set {PASSWORD_VARIABLE} to the password for {folder.user}@{folder.host}.")
    connect = connect or (imaplib.IMAP4_SSL if folder.secure else imaplib.IMAP4)
    try:
        client = connect(folder.host, folder.port)
        client.login(folder.user, password)
        status, _ = client.select(_quote(folder.folder), readonly=True)
        if status != "OK":
            raise MailError(f"No folder '{folder.folder}' on {folder.host}.")
        _, data = client.search(None, "ALL")
        for number in (data[0] or b"").split():
            _, parts = client.fetch(number, "(RFC822)")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw:
                yield _mail(raw, f"{folder.host}/{folder.folder} message {number.decode()}")
        client.logout()
    except (imaplib.IMAP4.error, OSError) as exc:
        # The password never appears in the message: imaplib does not echo it.
        raise MailError(f"Could not read {folder.user}@{folder.host}/{folder.folder}: {exc}") from None


def _quote(folder: str) -> str:
    return f'"{folder}"' if " " in folder else folder


def _mail(raw: bytes, where: str) -> Mail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = str(message.get("Message-ID") or "").strip() or "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
        if date and date.tzinfo is None:
            date = date.replace(tzinfo=UTC)
    except (TypeError, ValueError):
        date = None
    name, address = parseaddr(str(message.get("From", "")))
    sender = f"{name} <{address}>" if name else address
    return Mail(message_id, sender, date, " ".join(str(message.get("Subject", "")).split()), body_text(message), where)


def body_text(message: EmailMessage) -> str:
    """The message's readable text: the plain part, or the HTML part made safe as text; attached
    (forwarded) messages included."""
    texts = []
    if (
        message.get_content_type() == "message/rfc822"
        or message.is_multipart()
        and message.get_content_type() != "multipart/alternative"
    ):
        for part in message.iter_parts():
            if part.get_content_disposition() == "attachment" and part.get_content_type() != "message/rfc822":
                continue
            if part.get_content_type() == "message/rfc822":
                for inner in part.iter_parts():
                    texts.append(_forward_header(inner) + body_text(inner))
            else:
                texts.append(body_text(part))
        return "\n\n".join(t for t in texts if t.strip())
    if message.get_content_type() == "multipart/alternative":
        parts = list(message.iter_parts())
        plain = next((p for p in parts if p.get_content_type() == "text/plain"), None)
        rich = next((p for p in parts if p.get_content_type() in ("text/html", "multipart/related")), None)
        plain_text = body_text(plain) if plain is not None else ""
        if rich is not None:
            rich_text = body_text(rich)
            if is_stub(plain_text, rich_text):
                return rich_text
        if plain is not None:
            return plain_text
        return body_text(parts[0]) if parts else ""
    if message.get_content_maintype() != "text":
        return ""
    try:
        content = message.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = message.get_payload(decode=True) or b""
        content = payload.decode("cp1252", errors="replace")
    return html_to_text(content) if message.get_content_subtype() == "html" else _unquote(content)


def _forward_header(message) -> str:
    return (
        f"---------- Forwarded message ---------\nFrom: {message.get('From', '')}\n"
        f"Date: {message.get('Date', '')}\nSubject: {message.get('Subject', '')}\n\n"
    )


def _unquote(text: str) -> str:
    """Plain text with '>' quoting removed (forwarded and replied newsletters)."""
    return "\n".join(re.sub(r"^(?:>\s?)+", "", line) for line in text.replace("\r\n", "\n").split("\n"))


_STUB = re.compile(
    r"best viewed (?:as|in) html|view (?:this|it|the)(?: email| newsletter| message)? (?:in (?:your|a) (?:web )?browser|online)"
    r"|(?:can ?not|can't|unable to|does not|doesn't|won't) (?:display|show|support|read|render)"
    r"|html[- ]capable|in html format|html version|enable html|images? (?:are )?not (?:displaying|showing)",
    re.I,
)


def is_stub(plain: str, rich: str) -> bool:
    """True when a plain part only points to the HTML one ("view this email in your browser") or says almost nothing."""
    plain_words, rich_words = len(plain.split()), len(rich.split())
    if not plain_words:
        return True
    if _STUB.search(plain) and plain_words < rich_words / 2:
        return True
    return plain_words < 25 and rich_words > 4 * plain_words


# Markers for structure the text keeps: a bold run, and the start of a heading.
_BOLD_ON, _BOLD_OFF, _HEADING = "\x01", "\x02", "\x03"


class _TextParser(HTMLParser):
    """HTML to text: block elements become line breaks, headings "## ", a block that is all bold "**title**",
    rules "---", list items "- "; scripts and styles are dropped, links keep their address."""

    BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "td",
        "th",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "hr",
        "center",
    }
    PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "ul", "ol", "blockquote"}
    SKIP = {"script", "style", "head", "title", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag in self.PARAGRAPHS else "\n")
            if tag == "li":
                self.parts.append("- ")
            elif tag == "hr":
                self.parts.append("---\n\n")
            elif tag[0] == "h" and tag[1:].isdigit():
                self.parts.append(_HEADING)
        elif tag in ("b", "strong"):
            self.parts.append(_BOLD_ON)
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS and tag != "li":
            self.parts.append("\n\n" if tag in self.PARAGRAPHS else "\n")
        elif tag in ("b", "strong"):
            self.parts.append(_BOLD_OFF)
        elif tag == "a":
            self.href = None

    def handle_data(self, data):
        if self.skipping:
            return
        self.parts.append(data)
        if self.href and self.href.startswith("mailto:") and self.href[7:] not in data:
            self.parts.append(f" ({self.href[7:]})")


def _structured(line: str) -> str:
    """One line of converted HTML with its markers turned into text: a heading or an all-bold short line is a title."""
    if line.startswith(_HEADING):
        title = _plain(line)
        return f"## {title}" if title else ""
    bare = line.replace(_BOLD_ON, "").replace(_BOLD_OFF, "")
    outside = re.sub(f"{_BOLD_ON}[^{_BOLD_OFF}]*(?:{_BOLD_OFF}|$)", "", line)
    if bare.strip() and not outside.strip(" :") and len(bare.strip()) <= 80:
        return f"**{' '.join(bare.split()).rstrip(':')}**"
    return _plain(line)


def _plain(line: str) -> str:
    return " ".join(re.sub(f"[{_BOLD_ON}{_BOLD_OFF}{_HEADING}]", "", line).split())


def html_to_text(markup: str) -> str:
    """Readable plain text from untrusted HTML (never rendered, so nothing in it can run)."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [_structured(line) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_forwarding(text: str) -> str:
    """Text after a 'Forwarded message' marker, without the forwarded From/Date/Subject lines."""
    match = _FORWARD.search(text)
    if not match:
        return text
    rest = text[match.end() :].lstrip("\n")
    lines = rest.split("\n")
    while lines and re.match(r"^(From|Date|Sent|Subject|To|Cc):", lines[0], re.I):
        lines.pop(0)
    return "\n".join(lines).strip()
