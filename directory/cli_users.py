"""`signpost users`: create accounts, change their roles, list them."""

from __future__ import annotations

import os

import click

from directory.auth import find_user
from directory.cli_checks import needs_database
from directory.db import get_db
from directory.models.account import ROLES
from directory.operations import InputError
from directory.operations import accounts as ops
from directory.permissions import SYSTEM

PASSWORD_VARIABLE = "SIGNPOST_NEW_USER_PASSWORD"


@click.group("users")
def users() -> None:
    """Accounts: create them, change their roles, list them."""


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The name shown to moderators and editors.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="Repeat for several roles.")
@needs_database
def create(email: str, name: str, roles: tuple[str, ...]) -> None:
    """Create a confirmed account; the password is asked for twice, or read from SIGNPOST_NEW_USER_PASSWORD."""
    password = os.environ.get(PASSWORD_VARIABLE) or click.prompt(
        "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
    )
    try:
        with get_db().unit_of_work() as session:
            user = ops.create_user(session, SYSTEM, {"email": email, "name": name, "password": password}, roles)
            summary = f"Created {user.email} ({', '.join(user.roles) or 'no roles'}), email confirmed."
    except InputError as exc:
        raise click.ClickException(_words(exc)) from None
    click.echo(summary)


@users.command("roles")
@click.argument("email")
@click.option("--add", "added", multiple=True, type=click.Choice(ROLES), help="A role to give (repeatable).")
@click.option("--remove", "removed", multiple=True, type=click.Choice(ROLES), help="A role to take away (repeatable).")
@needs_database
def roles(email: str, added: tuple[str, ...], removed: tuple[str, ...]) -> None:
    """Give or take away roles: admin, moderator, link_worker."""
    with get_db().unit_of_work() as session:
        user = find_user(session, email)
        if user is None:
            raise click.ClickException(f"There is no account for {email.strip().lower()}.")
        wanted = [r for r in user.roles if r not in removed] + list(added)
        ops.set_roles(session, SYSTEM, user, wanted)
        summary = f"{user.email}: {', '.join(user.roles) or 'no roles'}."
    click.echo(summary)


@users.command("list")
@needs_database
def list_users() -> None:
    """Every account: email, name, roles, and whether it is confirmed or disabled."""
    with get_db().unit_of_work() as session:
        rows = [
            (
                u.email,
                u.name,
                ", ".join(u.roles) or "-",
                "disabled" if u.disabled_at else ("confirmed" if u.email_verified_at else "unconfirmed"),
            )
            for u in ops.all_users(session)
        ]
    if not rows:
        click.echo("No accounts yet. Create one with: signpost users create EMAIL --name NAME --role admin")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for email, name, role_list, state in rows:
        click.echo(f"{email:<{widths[0]}}  {name:<{widths[1]}}  {role_list:<{widths[2]}}  {state}")


def _words(exc: InputError) -> str:
    return " ".join(" ".join(m) if isinstance(m, list) else str(m) for m in exc.messages.values())
