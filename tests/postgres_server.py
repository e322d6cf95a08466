"""A throwaway PostgreSQL server for the tests marked `postgres`: `initdb` into a temporary folder,
`pg_ctl start` on a free loopback port, `pg_ctl stop` and delete afterwards.

The server binaries (`initdb`, `pg_ctl`, `postgres`) are found on PATH or in
/usr/lib/postgresql/<version>/bin; where they are missing the tests are skipped with that reason.
`initdb` refuses to run as root (CI containers run as root), so as root the cluster belongs to,
and runs as, an unprivileged account (`postgres` if it exists, else `nobody`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "dagster"
PASSWORD = "kotapintar-test"  # a throwaway cluster on loopback that lives for one test module
DATABASE = "kotapintar_dagster"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    username: str
    password: str
    db_name: str

    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": self.username,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.db_name,
        }

    def connect(self):
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.username,
            password=self.password,
            dbname=self.db_name,
        )


def find_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, or None."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def missing_reason() -> str | None:
    """Why no server can start here, or None when it can."""
    if find_bin_dir() is None:
        return (
            "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in "
            "/usr/lib/postgresql/*/bin: install the `postgresql` package to run these tests"
        )
    if os.geteuid() == 0 and _unprivileged() is None:
        return "running as root with neither a `postgres` nor a `nobody` account for initdb"
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "psycopg2 is not installed (it comes with dagster-postgres)"
    return None


def _unprivileged() -> pwd.struct_passwd | None:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """Start with `start()`, always `stop()`; `server` says how to reach it."""

    def __init__(self) -> None:
        bin_dir = find_bin_dir()
        assert bin_dir is not None, missing_reason()
        self.bin_dir = bin_dir
        # Not pytest's tmp_path: its parents are private to root, which the server's account
        # could not enter.
        self.root = Path(tempfile.mkdtemp(prefix="kotapintar-pg-"))
        self.data = self.root / "pgdata"
        self.log = self.root / "postgres.log"
        self.account = _unprivileged() if os.geteuid() == 0 else None
        if self.account is not None:
            os.chown(self.root, self.account.pw_uid, self.account.pw_gid)
        self.server = Server("127.0.0.1", _free_port(), USER, PASSWORD, DATABASE)
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        as_user = {}
        if self.account is not None:
            as_user = {
                "user": self.account.pw_uid,
                "group": self.account.pw_gid,
                "extra_groups": [],
            }
        result = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            **as_user,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}\n{log}"
            )
        return result

    def start(self) -> Server:
        pwfile = self.root / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        if self.account is not None:
            os.chown(pwfile, self.account.pw_uid, self.account.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile), "-E", "UTF8",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions",
        )  # fmt: skip
        # Loopback only, the socket in our folder (the default /var/run/postgresql may not be
        # writable), and no fsync: the cluster is thrown away.
        options = f"-p {self.server.port} -h 127.0.0.1 -k {self.root} -F"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        self.started = True
        import psycopg2

        con = psycopg2.connect(
            host=self.server.host, port=self.server.port, user=USER, password=PASSWORD,
            dbname="postgres",
        )  # fmt: skip
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"CREATE DATABASE {DATABASE}")
        con.close()
        return self.server

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
