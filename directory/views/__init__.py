"""Blueprints and the error pages shared by all of them."""

from __future__ import annotations

from flask import Flask, render_template
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, HTTPException

from . import accounts, admin, assets, claims, freshness, imports, manage, organisations, public, search, shortlist, widget


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
    app.register_blueprint(widget.bp)
    app.register_blueprint(freshness.bp)
    app.register_blueprint(organisations.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(imports.bp)
    app.jinja_env.globals.update(presenters.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(presenters.TEMPLATE_FILTERS)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StaleDataError, _changed_meanwhile)
    app.register_error_handler(Exception, _unexpected_error)


def _http_error(error: HTTPException):
    return render_template("errors/error.html", error=error), error.code


def _changed_meanwhile(_error: StaleDataError):
    # Two people saved the same record at the same moment; the first one's change stands.
    return _http_error(Conflict(description=(
        "This listing changed while you were editing: someone else saved it at the same moment. "
        "Nothing of yours was saved; go back, reload the page and make your change again."
    )))


def _unexpected_error(error: Exception):
    from flask import current_app

    current_app.logger.exception("Unexpected error")
    return render_template("errors/error.html", error=None), 500
