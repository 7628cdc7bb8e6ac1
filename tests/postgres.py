"""A throwaway PostgreSQL server for the tests: initdb into a temporary directory,
``pg_ctl start`` on a free port of 127.0.0.1, stop and delete at the end.

PostgreSQL refuses to run as root, so under root the server runs as the
``postgres`` system user (created if missing, else ``nobody``). Durability is
switched off (``fsync=off``) and the cluster lives in memory (``/dev/shm``) where
it can: the data dies with the test run anyway.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import attrs


def find_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or ``None``."""
    pg_config = shutil.which("pg_config")
    candidates: list[Path] = []
    if pg_config is not None:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))

    def major(path: str) -> int:
        version = Path(path).parent.name
        return int(version) if version.isdigit() else 0

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major)[::-1]]
    initdb = shutil.which("initdb")
    if initdb is not None:
        candidates.append(Path(initdb).resolve().parent)
    return next(
        (d for d in candidates if (d / "initdb").exists() and (d / "pg_ctl").exists()), None
    )


def _memory_backed_directory() -> str | None:
    """``/dev/shm`` where there is one: creating a database there takes milliseconds,
    on a disk it may take a third of a second. ``None`` means the usual temp directory."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _server_user() -> str | None:
    """Who runs the server: ``None`` (this process's user) unless that user is root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        created = subprocess.run(
            ["useradd", "--system", "--no-create-home", "postgres"],
            capture_output=True,
            check=False,
        )
        if created.returncode != 0:
            return "nobody"
    return "postgres"


@attrs.define
class PostgresServer:
    bindir: Path
    directory: Path
    port: int
    user: str | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def database_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    @classmethod
    def start(cls, bindir: Path) -> PostgresServer:
        directory = Path(tempfile.mkdtemp(prefix="b2bcore-pg-", dir=_memory_backed_directory()))
        server = cls(bindir=bindir, directory=directory, port=_free_port(), user=_server_user())
        if server.user is not None:
            shutil.chown(directory, user=server.user)
        try:
            server._run(
                "initdb",
                "-D",
                str(directory / "data"),
                "--auth=trust",
                "-U",
                "postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            )
            options = (
                f"-c listen_addresses=127.0.0.1 -p {server.port}"
                f" -c unix_socket_directories={directory}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                " -c max_connections=200"
            )
            server._run(
                "pg_ctl",
                "-D",
                str(directory / "data"),
                "-l",
                str(directory / "server.log"),
                "-o",
                options,
                "-w",
                "start",
            )
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return server

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{self.log()}"
            )
