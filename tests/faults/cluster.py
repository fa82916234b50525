"""A private PostgreSQL cluster for fault tests and the load bench: its own data folder and port, so it can be
restarted at will without touching the shared server other tests use.

Debian installs the server binaries under /usr/lib/postgresql/<version>/bin (the newest is taken), other
systems put `pg_ctl` on PATH. The server refuses to run as root, so as root the commands run as the
`postgres` user (runuser). Durability is off (fsync, synchronous_commit): the data is thrown away anyway.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DEBIAN = Path("/usr/lib/postgresql")
SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
"""


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl, the newest Debian version first; None when there is none."""
    versions = sorted(DEBIAN.glob("*/bin/pg_ctl"), key=lambda path: _version(path.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and Path(found).parent.joinpath("initdb").exists() else None


def _version(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in name.split("."))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """initdb, start, restart (`pg_ctl restart -m fast`), stop; `url(name)` for SQLAlchemy."""

    def __init__(self, bin_dir: Path | None = None):
        self.bin = bin_dir or binaries()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
        self.root = Path(tempfile.mkdtemp(prefix="thinlayer-pg-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None  # the server will not run as root

    def _run(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run(
            [*prefix, str(self.bin / command[0]), *command[1:]],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self) -> "Cluster":
        """Make the cluster and start it; returns when it accepts connections."""
        if self.user:
            user = pwd.getpwnam(self.user)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(SETTINGS.format(port=self.port, socket_dir=self.root))
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")
        return self

    def restart(self) -> float:
        """`pg_ctl restart -m fast` (every connection is cut); seconds until it accepts connections again."""
        started = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")
        return time.monotonic() - started

    def stop(self) -> None:
        """Stop the server (immediately) and delete its files."""
        if self.data.joinpath("postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
