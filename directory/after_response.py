"""Work that runs once the response has been sent, so how long it takes tells the visitor nothing.

Looking up an address and emailing its owner takes longer for an address with an account (and
a whole SMTP round trip when a mail server is configured). Doing that work after the response
makes the answer take the same time either way. The server calls the response's close() once the
last byte is written (gunicorn and Werkzeug both do), and the work runs then, in a copy of the
request's context: url_for and get_session() work, with a database session of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import after_this_request, copy_current_request_context

log = logging.getLogger(__name__)


def after_response(work: Callable[[], None]) -> None:
    """Run work (no arguments) after this request's response has been sent; failures are logged."""
    in_request_context = copy_current_request_context(work)

    def run() -> None:
        try:
            in_request_context()
        except Exception:  # the answer has gone: nobody is left to show an error to
            log.exception("Work after the response failed")

    @after_this_request
    def _attach(response):
        response.call_on_close(run)
        return response
