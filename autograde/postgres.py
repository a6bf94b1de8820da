"""A private PostgreSQL server for trying a shared gradebook, and for the tests.

It runs from the PostgreSQL binaries alone (``initdb``, ``pg_ctl``; Debian's ``postgresql``
package, no system service needed) in one folder that holds the data and the server's Unix
socket; it listens on no network interface and trusts local connections, so it is for trials on
one machine, not for a real deployment (see ``autograde/GUIDE.md``). PostgreSQL refuses to run
as root: under root the server runs as the ``postgres`` system user if there is one, else as
``nobody``.

From a shell::

    python -m autograde.postgres start /tmp/course-db   # prints the export line to use
    export PHASELAB_GRADEBOOK_URL='postgresql+psycopg2://grader@/gradebook?host=...&port=5432'
    python -m autograde.postgres stop /tmp/course-db

From Python (the tests)::

    with temporary_server() as server:
        ... server.url ...
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

#: Variable naming the folder of ``initdb`` and ``pg_ctl`` when they are not found otherwise.
BIN_VARIABLE = "PHASELAB_PG_BIN"

#: Server settings that trade durability for speed: for throw-away test servers only.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class PostgresUnavailable(RuntimeError):
    """No way to run a PostgreSQL server here; the message says why."""


def find_binaries() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``: ``$PHASELAB_PG_BIN``, the ``PATH``, or the
    newest ``/usr/lib/postgresql/<version>/bin``.

    Raises
    ------
    PostgresUnavailable
        If none is found.
    """
    candidates = []
    if os.environ.get(BIN_VARIABLE):
        candidates.append(Path(os.environ[BIN_VARIABLE]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", path.parent.name)) or (0,)

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresUnavailable("PostgreSQL's initdb and pg_ctl were not found (install the "
                              f"Debian package `postgresql`, or set {BIN_VARIABLE})")


def server_account() -> pwd.struct_passwd | None:
    """The account the server runs as: ``None`` for the current user, unless that is root.

    Raises
    ------
    PostgresUnavailable
        Under root, when neither ``postgres`` nor ``nobody`` exists.
    """
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and there is no `postgres` or `nobody` account "
                              "to run PostgreSQL as")


@dataclass
class PostgresServer:
    """A PostgreSQL server living in ``folder`` (``data/``, ``socket/``, ``server.log``)."""

    folder: Path
    port: int = 5432
    role: str = "grader"
    database: str = "gradebook"
    account: str | None = None  # OS user the server runs as (None: the current user)
    bin_dir: str = ""

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL nbgrader needs (``PHASELAB_GRADEBOOK_URL``)."""
        return (f"postgresql+psycopg2://{self.role}@/{self.database}"
                f"?host={self.socket_dir}&port={self.port}")

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program as the server's account; raise with its output on failure."""
        command = [str(Path(self.bin_dir) / args[0]), *args[1:]]
        options: dict = {}
        if self.account:
            user = pwd.getpwnam(self.account)
            options = dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                cwd=self.folder, env=env, **options)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(f"{args[0]} failed ({result.returncode}):\n"
                                      f"{result.stdout}{result.stderr}{log}")
        return result

    def initialise(self, *, fast: bool = False) -> None:
        """Create the data folder (``initdb``): local connections are trusted, no password."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.account:
            user = pwd.getpwnam(self.account)
            for path in (self.folder, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
            os.chmod(self.folder, 0o755)
        args = ["initdb", "-D", str(self.data), "-U", self.role, "--auth=trust",
                "--encoding=UTF8", "--no-locale"]
        if fast:
            args.append("--no-sync")
        self._run(*args)
        settings = ["listen_addresses = ''", f"unix_socket_directories = '{self.socket_dir}'",
                    f"port = {self.port}", "max_connections = 60"]
        if fast:
            settings += [s.replace("=", " = ") for s in FAST_SETTINGS]
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as handle:
            handle.write("\n# phaselab course: a private server on a socket\n")
            handle.write("\n".join(settings) + "\n")
        (self.folder / "server.json").write_text(json.dumps(asdict(self) | {
            "folder": str(self.folder)}, indent=1))

    def start(self) -> None:
        """Start the server, wait until it accepts connections, create the database."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.create_database()

    def create_database(self) -> None:
        """Create the gradebook database if it is not there yet."""
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", user=self.role,
                                      host=str(self.socket_dir), port=self.port)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are closed)."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> PostgresServer:
        """The server recorded in ``folder`` by :meth:`initialise`."""
        record = json.loads((Path(folder) / "server.json").read_text())
        record["folder"] = Path(record["folder"])
        return cls(**record)


def new_server(folder: str | os.PathLike[str] | None = None, *, fast: bool = False,
               port: int = 5432) -> PostgresServer:
    """Initialise a server in ``folder`` (a new temporary folder by default).

    Raises
    ------
    PostgresUnavailable
        If the binaries or a suitable account are missing, or ``initdb`` fails.
    """
    bin_dir = find_binaries()
    account = server_account()
    path = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="phaselab-pg-"))
    server = PostgresServer(folder=path.resolve(), port=port,
                            account=account.pw_name if account else None, bin_dir=str(bin_dir))
    server.initialise(fast=fast)
    return server


@contextmanager
def temporary_server() -> Iterator[PostgresServer]:
    """A throw-away server (durability traded for speed) for the length of a ``with`` block."""
    server = new_server(fast=True)
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(server.folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m autograde.postgres start|stop|url FOLDER``."""
    parser = argparse.ArgumentParser(prog="python -m autograde.postgres",
                                     description="A private PostgreSQL server for trials.")
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=5432)
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            if (args.folder / "server.json").exists():
                server = PostgresServer.open(args.folder)
            else:
                server = new_server(args.folder, port=args.port)
            server.start()
            print(f"export PHASELAB_GRADEBOOK_URL='{server.url}'")
        elif args.action == "stop":
            PostgresServer.open(args.folder).stop()
            print(f"stopped the server in {args.folder}")
        else:
            print(PostgresServer.open(args.folder).url)
    except (PostgresUnavailable, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
