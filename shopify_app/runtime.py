"""What a running app holds: its settings, its database sessions, its queue."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flask import current_app
from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .db import session_factory
from .queue import queue


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.settings.database_url)

    @cached_property
    def queue(self) -> Queue:
        return queue(self.settings.redis_url, self.settings.queue_name)


def perks() -> Runtime:
    return current_app.extensions["perks"]
