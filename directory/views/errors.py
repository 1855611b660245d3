"""Error pages, and how a view answers input it cannot use (on_bad_input) without try / except."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, render_template
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import BadRequest, Conflict, HTTPException

from directory.operations import InputError, describe

BAD_INPUT = "signpost.bad_input"


def on_bad_input(render: Callable[[dict], object]) -> None:
    """How this request answers input an operation or schema refuses (InputError, ValidationError):
    what the request changed is rolled back, then render(messages) is the answer, usually the form
    again with what is wrong and a 4xx status. Views call this instead of try / except."""
    setattr(g, BAD_INPUT, render)


def forget_bad_input(_exc: BaseException | None) -> None:
    """At the end of each request (an app context can outlive one, in tests and scripts)."""
    g.pop(BAD_INPUT, None)


def bad_input(error: InputError | ValidationError):
    """The view's answer to bad input; the request's changes were rolled back as the error left it."""
    render = g.pop(BAD_INPUT, None)
    if render is None:
        return http_error(BadRequest(description=describe(error.messages)))
    try:
        return render(error.messages)
    except HTTPException as refusal:  # what it would show again is itself gone (abort(404) while rendering)
        return http_error(refusal)


def http_error(error: HTTPException):
    """The error page for 4xx and 5xx answers."""
    return render_template("errors/error.html", error=error), error.code


def changed_meanwhile(_error: StaleDataError):
    """Two people saved the same record at the same moment; the first one's change stands."""
    return http_error(
        Conflict(
            description=(
                "This listing changed while you were editing: someone else saved it at the same moment. "
                "Nothing of yours was saved; go back, reload the page and make your change again."
            )
        )
    )


def unexpected_error(_error: Exception):
    """A plain 500 page; the traceback goes to the log only."""
    current_app.logger.exception("Unexpected error")
    return render_template("errors/error.html", error=None), 500
