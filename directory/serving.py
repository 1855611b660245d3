"""Serving Signpost with several worker processes (gunicorn), all sharing one database and index.

Nothing that matters lives in one process: sessions are signed cookies, rate-limit counters are
in Redis when SIGNPOST_REDIS_URL is set, and each worker's searcher notices a new index
generation written by any other process before its next search.
"""

from __future__ import annotations

from dataclasses import fields

from flask import Flask
from gunicorn.app.base import BaseApplication

# Who asked for what, how it went, and how long it took (%(M)s: milliseconds; %(p)s: the worker).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms worker=%(p)s'


def app_settings(app: Flask) -> dict:
    """Every setting of this app, so that another process can build the same app."""
    config = app.config["SIGNPOST"]
    return {**{f.name: getattr(config, f.name) for f in fields(config) if f.name != "extra"}, **config.extra}


class _Server(BaseApplication):
    """gunicorn with Signpost's app built in each worker after the fork (no shared connections)."""

    def __init__(self, settings: dict, options: dict):
        self.settings, self.options = settings, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from directory import create_app
        from search import warm_up

        app = create_app(self.settings)
        warm_up(app)
        return app


def serve_with_workers(
    app: Flask, host: str, port: int, workers: int, threads: int = 1, access_log: str | None = None
) -> None:
    """Run gunicorn on host:port with `workers` processes of `threads` threads each, until stopped."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": 60,
        "graceful_timeout": 10,
        "proc_name": "signpost",
        "errorlog": "-",
        "control_socket_disable": True,
    }
    if access_log:
        options.update(accesslog=access_log, access_log_format=ACCESS_LOG_FORMAT)
    _Server(app_settings(app), options).run()
