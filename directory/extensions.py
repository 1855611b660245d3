"""Flask extensions and cross-cutting request behaviour: CSRF and security headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from .config import ConfigError

csrf = CSRFProtect()
# Counters live in Redis when SIGNPOST_REDIS_URL is set, so every web process shares them.
limiter = Limiter(key_func=get_remote_address)

# No inline scripts or styles anywhere: scripts and stylesheets are files Signpost serves itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_extensions(app: Flask) -> None:
    """Register CSRF protection, rate limits and the security headers on every response."""
    config = app.config["SIGNPOST"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", config.REDIS_URL or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_security_headers)
    app.extensions["signpost.csp"] = content_security_policy(config.MAP_TILES_URL)


def content_security_policy(map_tiles_url: str) -> str:
    """The policy, with the map tile server named in img-src (so an http:// tile server works too)."""
    source = _tile_source(map_tiles_url)
    if source is None:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data: https:", f"img-src 'self' data: https: {source}", 1)


def _tile_source(url: str) -> str | None:
    """'https://{s}.tile.example.org/{z}/{x}/{y}.png' -> 'https://*.tile.example.org'; None for Signpost's own."""
    if all(part in url for part in ("{z}", "{x}", "{y}")):
        if url.startswith("/") and not url.startswith("//"):
            return None
        parts = urlsplit(url.replace("://{s}.", "://", 1))
        host = ("*." if "://{s}." in url else "") + parts.netloc
        if parts.scheme in ("http", "https") and parts.netloc and not set("{}@ ;,'") & set(host):
            return f"{parts.scheme}://{host}"
    raise ConfigError(
        f"SIGNPOST_MAP_TILES_URL={url!r} must be an http(s) URL, or a path on this site, with {{z}}, {{x}} and {{y}} "
        "in it, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (a {s}. subdomain is allowed)."
    )


def _security_headers(response: Response) -> Response:
    policy = current_app.extensions.get("signpost.csp", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.endpoint != "static":
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response
