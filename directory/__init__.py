"""Signpost: a community asset directory and search service."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import clock, db
from .config import TEMPLATES_DIR, Config
from .links import Links


class SignpostApp(Flask):
    """Flask, with each request one unit of work (db.in_request_transaction)."""

    def dispatch_request(self):
        return db.in_request_transaction(super().dispatch_request)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the Flask app from SIGNPOST_* environment variables and optional overrides."""
    config = Config.from_env().apply(overrides).finalise()
    app = SignpostApp(__name__, template_folder=str(TEMPLATES_DIR), instance_path=config.INSTANCE_DIR)
    app.config.from_mapping(
        SIGNPOST=config,
        SECRET_KEY=config.SECRET_KEY,
        TESTING=config.ENV == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.ENV == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),  # a signed-in session lasts a working day
        MAX_CONTENT_LENGTH=config.MAX_REQUEST_KB * 1024,
        # A link worker may leave a page open all morning: a CSRF token lasts as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
    )
    clock.install(app, config.extra.pop("CLOCK", None))
    app.config.update(config.extra)
    if config.PROXIES:
        # Behind a load balancer the client's address (for rate limits), scheme and host arrive in
        # X-Forwarded-* headers; only the hops configured are trusted, so nobody else can set them.
        hops = config.PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    Path(config.INSTANCE_DIR).mkdir(parents=True, exist_ok=True)
    database = db.init_app(app, config.DATABASE_URL)

    import search

    search.init_app(app, database, config)

    from .api import register_api
    from .cli import register_commands
    from .extensions import init_extensions
    from .views import register_views

    init_extensions(app)
    register_views(app)
    register_api(app)
    register_commands(app)
    app.extensions["signpost.links"] = Links(config.BASE_URL, app.url_map)
    return app
