"""What a running app holds: its settings, its database sessions, its queue.

The web app keeps its Runtime on the Flask app (`core.web.perks()`). A worker or cron
process installs its own at start (`install`), and the jobs it runs take it
from there (`current()`): the settings they see are the ones the process
started with, never the environment read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.core.db import session_factory
from shopify_app.core.queue import queue


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.settings.database_url)

    @cached_property
    def queue(self) -> Queue:
        return queue(self.settings.redis_url, self.settings.queue_name)


_process: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    """Make `runtime` the one this process's jobs use (`perks worker`, `perks cron` at start); None forgets it."""
    global _process
    _process = runtime


def current() -> Runtime:
    """The runtime installed at this process's start: what every rq job entry point works with."""
    if _process is None:
        raise RuntimeError("no runtime installed: jobs run in `perks worker`, which installs the process's own at start")
    return _process
