"""Flask extensions and cross-cutting request behaviour: CSRF and security headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup

from . import limits
from .config import ConfigError
from .text import shown

csrf = CSRFProtect()
# Counters live in Redis when SIGNPOST_REDIS_URL is set, so every web process shares them.
limiter = Limiter(key_func=get_remote_address)

# No inline scripts or styles anywhere: scripts and stylesheets are files Signpost serves itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# Pages other sites may show in a frame (the embeddable widget). Everything else refuses framing.
# Exempt a whole blueprint with allow_framing(bp), or one view with @frameable.
FRAMEABLE_BLUEPRINTS: set[str] = set()
FRAMEABLE_ENDPOINTS: set[str] = set()


def allow_framing(blueprint) -> None:
    """Let every page of a blueprint be shown in a frame on any site (for embeddable widgets)."""
    FRAMEABLE_BLUEPRINTS.add(blueprint.name)


def frameable(view):
    """Decorator: let this one view be framed. Apply it under the route decorator."""
    view.signpost_frameable = True
    return view


def _framing_allowed() -> bool:
    if request.blueprint in FRAMEABLE_BLUEPRINTS or request.endpoint in FRAMEABLE_ENDPOINTS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "signpost_frameable", False))


def init_extensions(app: Flask) -> None:
    """Register CSRF protection, rate limits and the security headers on every response."""
    config = app.config["SIGNPOST"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", config.REDIS_URL or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limits.init_app(app)  # before CSRF protection reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_security_headers)
    app.jinja_env.finalize = printable
    app.extensions["signpost.csp"] = content_security_policy(config.MAP_TILES_URL)


def printable(value):
    """Jinja's finalize: every {{ value }} without control, bidirectional or invisible characters.

    Whatever was typed or stored before input was cleaned, a page never shows text that reads
    differently from what it holds. Markup stays Markup.
    """
    if isinstance(value, str):
        cleaned = shown(value)
        if cleaned != value:
            return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


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
    if _framing_allowed():
        response.headers["Content-Security-Policy"] = response.headers["Content-Security-Policy"].replace(
            "frame-ancestors 'none'", "frame-ancestors *"
        )
    elif request.endpoint != "static":
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response
