"""Reading newsletters from mbox, maildir, .eml and IMAP, in every encoding they arrive in."""

import mailbox
from pathlib import Path

import pytest

from importers.mail_read import MailError, html_to_text, parse_imap_url, read_mail, strip_forwarding

CORPUS = Path(__file__).parent / "mail_corpus"


def by_subject(messages) -> dict:
    return {m.subject: m for m in messages}


def test_a_folder_of_eml_files_is_read_in_order():
    messages = list(read_mail(str(CORPUS)))
    assert len(messages) == 10
    assert [m.where for m in messages][:2] == ["01_plain_bulletin.eml", "02_html_only.eml"]
    first = messages[0]
    assert first.message_id == "<bulletin-2026-11@eastendbulletin.example.org>"
    assert first.sender == "East End Community Bulletin <bulletin@eastendbulletin.example.org>"
    assert first.date.isoformat() == "2026-11-02T08:15:00+00:00"


def test_an_mbox_file_is_read(tmp_path):
    box = mailbox.mbox(tmp_path / "newsletters.mbox")
    for file in sorted(CORPUS.glob("*.eml"))[:3]:
        box.add(file.read_bytes())
    box.flush()
    messages = list(read_mail(str(tmp_path / "newsletters.mbox")))
    assert [m.where for m in messages] == [f"newsletters.mbox message {n}" for n in (1, 2, 3)]
    assert messages[2].subject == "New class: Chair Yoga"


def test_a_maildir_folder_is_read(tmp_path):
    box = mailbox.Maildir(tmp_path / "Newsletters")
    for file in sorted(CORPUS.glob("*.eml")):
        box.add(file.read_bytes())
    assert len(list(read_mail(str(tmp_path / "Newsletters")))) == 10


def test_html_only_mail_becomes_text_without_scripts_styles_or_tags():
    mail = by_subject(read_mail(str(CORPUS / "02_html_only.eml")))["What’s on in the Upper Valley"]
    assert "Tuesdays 10:00–11:30" in mail.text and "Free & open" in mail.text
    assert "walks@calderwellbeing.example.org" in mail.text  # the mailto link's address is kept
    for unwanted in ("alert", "color: red", "<", "onerror"):
        assert unwanted not in mail.text


def test_quoted_printable_is_decoded_with_soft_line_breaks():
    [mail] = read_mail(str(CORPUS / "03_quoted_printable.eml"))
    assert "Mondays 11am - 12 noon" in mail.text and "OL14 7BX" in mail.text and "£4 per session" in mail.text


def test_multipart_alternative_uses_the_plain_part():
    [mail] = read_mail(str(CORPUS / "04_multipart_alternative.eml"))
    assert "Thursdays 10am-3pm" in mail.text and "<b>" not in mail.text
    assert mail.text.count("Eastbank Men's Shed") == 1


def test_windows_1252_in_base64_is_decoded():
    [mail] = read_mail(str(CORPUS / "08_base64_cp1252.eml"))
    assert "£10 for the whole course" in mail.text and "Siân" in mail.text


def test_a_forwarded_newsletter_loses_the_forwarding_and_quote_marks():
    [mail] = read_mail(str(CORPUS / "05_forwarded.eml"))
    text = strip_forwarding(mail.text)
    assert text.startswith("Carers' Coffee Morning") and ">" not in text
    assert "Sharing in case useful" not in text


def test_a_newsletter_attached_as_a_message_is_read():
    [mail] = read_mail(str(CORPUS / "09_attached_message.eml"))
    assert "Telephone Befriending" in strip_forwarding(mail.text)


def test_a_message_without_message_id_gets_a_stable_one(tmp_path):
    raw = (CORPUS / "10_no_listing.eml").read_text().replace("Message-ID: <thanks-network@example.nhs.uk>\n", "")
    (tmp_path / "a.eml").write_text(raw)
    first, second = list(read_mail(str(tmp_path / "a.eml"))), list(read_mail(str(tmp_path / "a.eml")))
    assert first[0].message_id.startswith("sha256:") and first[0].message_id == second[0].message_id


def test_html_to_text_keeps_paragraphs_apart():
    assert (
        html_to_text("<p>One</p><p>Two &amp; three</p><ul><li>a</li><li>b</li></ul>")
        == "One\n\nTwo & three\n\n- a\n- b"
    )


def test_a_missing_path_says_what_to_give(tmp_path):
    with pytest.raises(MailError, match="mbox file, a maildir folder"):
        list(read_mail(str(tmp_path / "nowhere")))


def test_imap_urls_name_user_host_port_and_folder():
    folder = parse_imap_url("imaps://links%40example.org@mail.example.org/Newsletters/Community%20groups")
    assert (folder.user, folder.host, folder.port, folder.folder, folder.secure) == (
        "links@example.org",
        "mail.example.org",
        993,
        "Newsletters/Community groups",
        True,
    )
    assert parse_imap_url("imap://me@localhost:1143").folder == "INBOX"


@pytest.mark.parametrize(
    "url, problem",
    [
        ("https://mail.example.org/INBOX", "not an IMAP address"),
        ("imaps://mail.example.org/INBOX", "needs a user and a host"),
        ("imaps://me:secret@mail.example.org/INBOX", "SIGNPOST_IMAP_PASSWORD"),
    ],
)
def test_bad_imap_urls_are_explained(url, problem):
    with pytest.raises(MailError, match=problem):
        parse_imap_url(url)


class FakeImap:
    """Enough of imaplib.IMAP4 to serve a folder of messages."""

    def __init__(self, host, port, messages=(), password="right"):
        self.host, self.port, self.messages, self.password = host, port, list(messages), password
        self.selected = None

    def login(self, user, password):
        if password != self.password:
            import imaplib

            raise imaplib.IMAP4.error("[AUTHENTICATIONFAILED] Invalid credentials")
        self.user = user

    def select(self, folder, readonly=False):
        self.selected, self.readonly = folder, readonly
        return ("OK", [str(len(self.messages)).encode()]) if folder == "Newsletters" else ("NO", [b""])

    def search(self, charset, criterion):
        return "OK", [b" ".join(str(n).encode() for n in range(1, len(self.messages) + 1))]

    def fetch(self, number, parts):
        return "OK", [(b"%s (RFC822 {n})" % number, self.messages[int(number) - 1]), b")"]

    def logout(self):
        self.closed = True


def test_an_imap_folder_is_read_read_only_with_the_password_from_the_environment():
    raws = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))[:2]]
    servers = []

    def connect(host, port):
        servers.append(FakeImap(host, port, raws))
        return servers[-1]

    messages = list(
        read_mail(
            "imaps://links@mail.example.org/Newsletters", environ={"SIGNPOST_IMAP_PASSWORD": "right"}, connect=connect
        )
    )
    assert [m.subject for m in messages] == ["East End Community Bulletin - November", "What’s on in the Upper Valley"]
    assert messages[0].where == "mail.example.org/Newsletters message 1"
    assert servers[0].readonly and servers[0].port == 993 and servers[0].user == "links"


def test_imap_without_a_password_or_with_a_wrong_one_is_explained_without_the_password():
    with pytest.raises(MailError, match="Set SIGNPOST_IMAP_PASSWORD"):
        list(read_mail("imaps://links@mail.example.org/Newsletters", environ={}))
    with pytest.raises(MailError, match="Invalid credentials") as error:
        list(
            read_mail(
                "imaps://links@mail.example.org/Newsletters",
                environ={"SIGNPOST_IMAP_PASSWORD": "wrong-secret"},
                connect=lambda host, port: FakeImap(host, port),
            )
        )
    assert "wrong-secret" not in str(error.value)


def test_an_unknown_imap_folder_is_explained():
    with pytest.raises(MailError, match="No folder 'Spam'"):
        list(
            read_mail(
                "imaps://links@mail.example.org/Spam",
                environ={"SIGNPOST_IMAP_PASSWORD": "right"},
                connect=lambda host, port: FakeImap(host, port),
            )
        )
