"""Where `make run`'s embedded PostgreSQL listens: the product's default DATABASE_URL points there
(config), and perks_dev.local_postgres starts the server there. Production sets DATABASE_URL."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

DATABASE = "perks"
ROLE = "perks"
SOCKET_PORT = 5432  # only names the socket file when the server listens on a socket alone


def socket_folder(folder: Path, name: str) -> Path:
    """Where a socket called `name` for `folder` goes: in it, unless that path is too long for a
    unix socket (107 bytes); then in a folder of the temp dir named by `folder`'s hash."""
    if len(os.fsencode(folder / name)) < 100:
        return folder
    digest = hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"perks-{digest}"


def socket_dir(data: Path) -> Path:
    """Where the server's socket goes: beside its data, unless that path is too long."""
    return socket_folder(data, f".s.PGSQL.{SOCKET_PORT}")


def socket_url(data: Path, database: str = DATABASE) -> str:
    """The URL of a server listening on a socket alone (as `make run`'s does)."""
    return f"postgresql://{ROLE}@/{database}?host={socket_dir(data)}&port={SOCKET_PORT}"
