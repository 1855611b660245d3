"""Blueprints and the error pages shared by all of them."""

from __future__ import annotations

from flask import Flask
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from directory.operations import InputError

from . import (
    accounts,
    admin,
    assets,
    claims,
    errors,
    freshness,
    imports,
    manage,
    organisations,
    public,
    search,
    shortlist,
    widget,
)

PAGES = (public, search, shortlist, assets, accounts, claims, manage, widget, freshness, organisations, admin, imports)
for _module in PAGES:  # once, as the blueprints are: bad input on a page is answered by the view's on_bad_input
    _module.bp.register_error_handler(InputError, errors.bad_input)
    _module.bp.register_error_handler(ValidationError, errors.bad_input)


def register_views(app: Flask) -> None:
    """Register every blueprint, template helper and error page."""
    from directory import presenters

    for module in PAGES:
        app.register_blueprint(module.bp)
    app.teardown_request(errors.forget_bad_input)
    app.jinja_env.globals.update(presenters.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(presenters.TEMPLATE_FILTERS)
    app.register_error_handler(HTTPException, errors.http_error)
    app.register_error_handler(StaleDataError, errors.changed_meanwhile)
    app.register_error_handler(Exception, errors.unexpected_error)
