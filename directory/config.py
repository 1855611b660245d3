"""Settings for Signpost, read from SIGNPOST_* environment variables in create_app."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
TEMPLATES_DIR = ROOT / "templates"
DEFAULT_SECRET_KEY = "dev-only-not-secret"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"  # right for `make run`; production must set its own
MAX_RADIUS_KM = 100.0


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says which and how to fix it."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Config:
    """Every setting Signpost reads, with its default."""

    ENV: str = "development"  # development, production or testing
    INSTANCE_DIR: str = str(ROOT / "instance")
    DATABASE_URL: str = ""  # default: sqlite:///<INSTANCE_DIR>/signpost.db
    INDEX_DIR: str = ""  # default: <INSTANCE_DIR>/index
    SEARCH_BACKEND: str = "whoosh"
    ORUK_PREFIX: str = "/oruk"  # where the Open Referral UK feed is mounted
    SECRET_KEY: str = DEFAULT_SECRET_KEY
    DEFAULT_RADIUS_KM: float = 5.0
    PAGE_SIZE: int = 20
    API_RATE_LIMIT: str = "60 per minute;1000 per hour"  # JSON API, per computer, without a token
    API_TOKEN_RATE_LIMIT: str = "300 per minute;10000 per hour"  # JSON API, per personal token
    SEARCH_RATE_LIMIT: str = "120 per minute;3000 per hour"  # the search page, per computer
    ORUK_RATE_LIMIT: str = "120 per minute;3000 per hour"  # the Open Referral UK feed, per computer
    MAX_REQUEST_KB: int = 1024  # the largest request body (a form, an API call); spreadsheet uploads have their own
    REDIS_URL: str = ""  # rate-limit counters shared by every process; memory when unset
    PROXIES: int = 0  # reverse proxies in front (a load balancer): trust this many X-Forwarded-* hops
    SMTP_HOST: str = ""  # unset: mail is written to <INSTANCE_DIR>/mail/ and logged
    SMTP_PORT: int = 587
    SMTP_USERNAME: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_STARTTLS: bool = True
    MAIL_FROM: str = "Signpost <signpost@localhost>"
    MODERATOR_EMAILS: str = ""  # comma-separated addresses told about problem reports
    GEOCODER: str = ""  # "nominatim" turns on street-address geocoding; off by default
    GEOCODER_USER_AGENT: str = "signpost-directory"
    GEOCODER_DOMAIN: str = "nominatim.openstreetmap.org"
    MAP_TILES_URL: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"  # its host is added to the CSP img-src
    # The site's public address (a path prefix is allowed): every link in mail starts with it, never with
    # the Host a request arrived with. Production must set it to the address people reach Signpost at.
    BASE_URL: str = DEFAULT_BASE_URL
    REVIEW_AFTER_DAYS: int = 183  # a listing not confirmed for this long needs review
    STALE_AFTER_DAYS: int = 365  # ... and after this long is stale (ranked lower, labelled)
    MAP_ATTRIBUTION: str = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    extra: dict = field(default_factory=dict)

    @property
    def moderator_addresses(self) -> list[str]:
        """MODERATOR_EMAILS as addresses, spaces trimmed and each once ("a@x, b@y" is two)."""
        return list(dict.fromkeys(a.strip().lower() for a in self.MODERATOR_EMAILS.split(",") if a.strip()))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        """Read SIGNPOST_<NAME> for each setting; unknown keys are ignored."""
        environ = os.environ if environ is None else environ
        config = cls()
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = environ.get(f"SIGNPOST_{f.name}")
            if raw is None or raw == "":
                continue
            current = getattr(config, f.name)
            try:
                if isinstance(current, bool):
                    value = _bool(raw)
                elif isinstance(current, int):
                    value = int(raw)
                elif isinstance(current, float):
                    value = float(raw)
                else:
                    value = raw
            except ValueError:
                raise ConfigError(
                    f"SIGNPOST_{f.name}={raw!r} is not a valid {type(current).__name__}; "
                    f"unset it to use the default ({current!r})."
                ) from None
            setattr(config, f.name, value)
        return config

    def apply(self, overrides: dict | None) -> Config:
        """Apply test or embedding overrides (keys as in this class)."""
        for key, value in (overrides or {}).items():
            if hasattr(self, key) and key != "extra":
                setattr(self, key, value)
            else:
                self.extra[key] = value
        return self

    def finalise(self) -> Config:
        """Fill derived defaults and refuse unsafe production settings."""
        instance = Path(self.INSTANCE_DIR)
        if not self.DATABASE_URL:
            self.DATABASE_URL = f"sqlite:///{instance / 'signpost.db'}"
        if not self.INDEX_DIR:
            self.INDEX_DIR = str(instance / "index")
        if self.ENV not in {"development", "production", "testing"}:
            raise ConfigError(f"SIGNPOST_ENV={self.ENV!r}: use development, production or testing.")
        if self.ENV == "production" and self.SECRET_KEY in ("", DEFAULT_SECRET_KEY):
            raise ConfigError(
                "Refusing to start in production with the default secret key: set "
                "SIGNPOST_SECRET_KEY to a long random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if self.ENV == "production" and self.BASE_URL == DEFAULT_BASE_URL:
            raise ConfigError(
                "Refusing to start in production without SIGNPOST_BASE_URL: set it to the address people reach "
                "Signpost at, like https://signpost.example.org (every link in mail starts with it)."
            )
        if not 0 < self.DEFAULT_RADIUS_KM <= MAX_RADIUS_KM:
            raise ConfigError(
                f"SIGNPOST_DEFAULT_RADIUS_KM={self.DEFAULT_RADIUS_KM} must be between 0 and {MAX_RADIUS_KM:g} km."
            )
        if self.MAX_REQUEST_KB < 64:
            raise ConfigError(
                f"SIGNPOST_MAX_REQUEST_KB={self.MAX_REQUEST_KB} is too small for the editing forms: use 64 or more "
                "(the default is 1024)."
            )
        base = urlsplit(self.BASE_URL)
        if base.scheme not in {"http", "https"} or not base.netloc or base.query or base.fragment:
            raise ConfigError(
                f"SIGNPOST_BASE_URL={self.BASE_URL!r} must be the site's public address, such as "
                "https://signpost.example.org (a path after the host is allowed)."
            )
        if not 0 < self.REVIEW_AFTER_DAYS < self.STALE_AFTER_DAYS:
            raise ConfigError(
                f"SIGNPOST_REVIEW_AFTER_DAYS={self.REVIEW_AFTER_DAYS} must be more than 0 and less than "
                f"SIGNPOST_STALE_AFTER_DAYS={self.STALE_AFTER_DAYS}."
            )
        return self
