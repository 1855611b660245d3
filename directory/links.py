"""Absolute links to Signpost's pages, for mail: always under SIGNPOST_BASE_URL.

A link in an email is built from the configured address, never from the Host header of the
request that caused the email, so a forged Host cannot point a password-reset link elsewhere.
Operations take a Links as an argument; views and commands pass links().
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import Map


@dataclass(frozen=True)
class Links:
    """Builds absolute addresses of the app's pages under base_url (scheme, host and any path prefix)."""

    base_url: str
    url_map: Map

    def page(self, endpoint: str, **values) -> str:
        """The absolute address of endpoint's page, e.g. page("public.service", raw_id=...)."""
        parts = urlsplit(self.base_url)
        adapter = self.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
        return adapter.build(endpoint, values, force_external=True)


def links() -> Links:
    """The current app's Links (for views and commands; operations receive one as an argument)."""
    return current_app.extensions["signpost.links"]
