"""What every `signpost` command that reads or writes the directory checks first."""

from __future__ import annotations

import functools

import click
from flask.cli import with_appcontext

from directory import migrate
from directory.db import get_db


class NotReady(click.ClickException):
    """The database cannot be used yet; exit status 2, and nothing was changed."""

    exit_code = 2


def needs_database(command):
    """with_appcontext, then refuse (exit 2, nothing created) unless the database is set up and migrated."""

    @functools.wraps(command)
    @with_appcontext
    def checked(*args, **kwargs):
        problem = migrate.unready(get_db().engine)
        if problem:
            raise NotReady(problem)
        return command(*args, **kwargs)

    return checked
