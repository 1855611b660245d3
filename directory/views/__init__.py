"""Blueprints and the error pages shared by all of them."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from . import accounts, assets, claims, manage, public, search, shortlist


def register_views(app: Flask) -> None:
    """Register every blueprint, template helper and error page."""
    from directory import presenters

    app.register_blueprint(public.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(shortlist.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(claims.bp)
    app.register_blueprint(manage.bp)
    app.jinja_env.globals.update(presenters.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(presenters.TEMPLATE_FILTERS)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _http_error(error: HTTPException):
    return render_template("errors/error.html", error=error), error.code


def _unexpected_error(error: Exception):
    from flask import current_app

    current_app.logger.exception("Unexpected error")
    return render_template("errors/error.html", error=None), 500
