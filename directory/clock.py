"""The app's clock: requests and commands read the time here, so tests and tools can set it.

`create_app({"CLOCK": callable})` installs a clock (a callable returning an aware datetime);
without one it is the system clock. Domain functions still take `now` or `today` as arguments:
only the edges (views, the API, commands) ask this module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LONDON = ZoneInfo("Europe/London")
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The machine's time, in UTC."""
    return datetime.now(UTC)


def install(app, clock: Clock | None) -> None:
    """Give the app its clock (the system clock when none is given)."""
    app.extensions["clock"] = clock or system_clock


def now() -> datetime:
    """The current moment in UTC by the app's clock (the system clock outside an app)."""
    clock = current_app.extensions.get("clock", system_clock) if has_app_context() else system_clock
    moment = clock()
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def local_now() -> datetime:
    """The current moment as people in the UK read it (Europe/London)."""
    return now().astimezone(LONDON)


def today() -> date:
    """Today's date in the UK by the app's clock."""
    return local_now().date()
