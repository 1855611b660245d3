"""Machine-readable interfaces: the Open Referral UK feed and the JSON API."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    """Register every API blueprint on the app (one line per blueprint)."""
    from . import oruk, rest

    oruk.register(app)
    rest.register_rest_api(app)
