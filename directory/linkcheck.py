"""A polite website checker: short timeouts, one request at a time per host, a clear User-Agent."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

USER_AGENT = "Signpost-LinkChecker/1.0 (checks that community listings' websites still work; {contact})"
# Answers that say "busy" or "not for robots" rather than "gone": not counted as a failure.
NOT_A_VERDICT = {429, 503}


@dataclass(frozen=True)
class LinkResult:
    """What one check of one address found. `ok` is None when the check says nothing either way."""

    url: str
    ok: bool | None
    status: int | None = None
    error: str = ""


class HostPacer:
    """At most `per_host` requests at once to one host, and `delay` seconds between their starts."""

    def __init__(self, per_host: int, delay: float):
        self.delay = delay
        self._slots = defaultdict(lambda: threading.BoundedSemaphore(per_host))
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def run(self, host: str, call: Callable[[], LinkResult]) -> LinkResult:
        with self._lock:
            slot = self._slots[host]
        with slot:
            with self._lock:
                wait = self._last.get(host, 0.0) + self.delay - time.monotonic()
                self._last[host] = time.monotonic() + max(wait, 0.0)
            if wait > 0:
                time.sleep(wait)
            return call()


def check_url(session: requests.Session, url: str, timeout: float) -> LinkResult:
    """HEAD the address (GET when HEAD is refused), following a few redirects."""
    if urlsplit(url).scheme not in ("http", "https"):
        return LinkResult(url, False, error="not a web address")
    try:
        response = session.head(url, timeout=timeout, allow_redirects=True)
        if response.status_code in (403, 405, 501):  # some servers refuse HEAD but serve pages
            response = session.get(url, timeout=timeout, allow_redirects=True, stream=True)
            response.close()
    except requests.TooManyRedirects:
        return LinkResult(url, False, error="too many redirects")
    except requests.Timeout:
        return LinkResult(url, False, error=f"no answer within {timeout:g} seconds")
    except requests.RequestException as exc:
        return LinkResult(url, False, error=_short(exc))
    status = response.status_code
    if status in NOT_A_VERDICT:
        return LinkResult(url, None, status, f"HTTP {status}: try again later")
    if status >= 400:
        return LinkResult(url, False, status, f"HTTP {status}")
    return LinkResult(url, True, status)


def check_links(
    urls: Iterable[str],
    *,
    contact: str,
    timeout: float = 10.0,
    per_host: int = 1,
    host_delay: float = 1.0,
    workers: int = 4,
    progress: Callable[[LinkResult], None] | None = None,
) -> dict[str, LinkResult]:
    """Check each address once; different hosts in parallel, each host politely."""
    pacer = HostPacer(per_host, host_delay)
    local = threading.local()

    def one(url: str) -> LinkResult:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["User-Agent"] = USER_AGENT.format(contact=contact)
            local.session.max_redirects = 5
        result = pacer.run(urlsplit(url).hostname or "", lambda: check_url(local.session, url, timeout))
        if progress:
            progress(result)
        return result

    unique = list(dict.fromkeys(urls))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return {result.url: result for result in pool.map(one, unique)}


def _short(exc: Exception) -> str:
    text = str(exc)
    if "Name or service not known" in text or "getaddrinfo" in text or "NameResolution" in text:
        return "the address does not exist (DNS)"
    if "Connection refused" in text:
        return "connection refused"
    if "SSL" in text or "certificate" in text:
        return "secure connection failed (certificate)"
    return type(exc).__name__
