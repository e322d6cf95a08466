"""Checks before `kotapintar run` loads anything: can the run write where it has to?

A full disk, a folder without write permission, an immutable file or a path whose parent is a
file otherwise shows up as a 100-line traceback from deep in DuckDB or the exporter, after every
source was fetched and parsed. Here each folder the run writes to gets a probe file created and
deleted, existing files it rewrites are opened for writing, and the free space is compared with a
small minimum; each problem is one line: the path, what is wrong, and the fix.

Nothing is created: a folder that does not exist yet is judged by its nearest existing ancestor,
where the run will create it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import Settings

# Below this the run cannot even write the work database and its landing files; well above it a
# real shortage still fails later, with DuckDB's own "No space left on device".
MIN_FREE_MB = 100


@dataclass(frozen=True)
class Problem:
    """One thing that would make the run fail, said in one line."""

    role: str
    path: Path
    what: str
    fix: str

    def line(self) -> str:
        return f"{self.role} {self.path}: {self.what}; {self.fix}"


@dataclass(frozen=True)
class Target:
    """A place the run writes to: a folder it writes in, or a file it rewrites."""

    role: str  # e.g. "the data folder"
    variable: str  # the setting that moves it
    folder: Path  # where new files are created (and renamed into place)
    file: Path | None = None  # an existing file that is rewritten in place or replaced

    def fix(self, action: str) -> str:
        return f"{action}, or point {self.variable} elsewhere"


def targets(settings: Settings) -> list[Target]:
    """Everywhere the nightly run writes: data folder, warehouse folder, export folder."""
    found = [
        # Landing files are created here; DuckDB rewrites the work database in place.
        Target(
            "the data folder",
            "KOTAPINTAR_DATA_DIR",
            settings.data_dir,
            settings.data_dir / "work.duckdb",
        ),
        # The analyst file is written next to itself and renamed over the old one.
        Target(
            "the analyst file",
            "KOTAPINTAR_WAREHOUSE",
            settings.warehouse.parent,
            settings.warehouse,
        ),
    ]
    # The export folder is written next to itself and swapped in (its parent must take new
    # files); it, the correction workbooks and the Data Docs default to the data folder, checked
    # above: elsewhere each is one more place to write.
    for role, variable, path in (
        ("the export folder's parent", "KOTAPINTAR_EXPORT_DIR", settings.export_path.parent),
        ("the correction workbooks", "KOTAPINTAR_KOREKSI_DIR", settings.koreksi_path),
        ("the Data Docs", "KOTAPINTAR_DATA_DOCS", settings.data_docs_path),
    ):
        if path is not None and not path.is_relative_to(settings.data_dir):
            found.append(Target(role, variable, path))
    return found


def check(settings: Settings, min_free_mb: int = MIN_FREE_MB) -> list[Problem]:
    """Every problem found, at most one per target (the first that would bite)."""
    problems: list[Problem] = []
    for target in targets(settings):
        try:
            problem = check_target(target, min_free_mb)
        except OSError as exc:  # e.g. an ancestor folder that may not even be looked into
            what, action = _explain(exc, target.folder)
            problem = Problem(target.role, target.folder, what, target.fix(action))
        if problem is not None and problem not in problems:
            problems.append(problem)
    return problems


def check_target(target: Target, min_free_mb: int = MIN_FREE_MB) -> Problem | None:
    """The first problem writing to `target`, or None."""
    folder, problem = _existing_folder(target)
    if problem is None and target.file is not None:
        problem = _check_file(target)
    if problem is None:
        problem = _probe(folder, target)
    if problem is None:
        problem = _free_space(folder, target, min_free_mb)
    return problem


def _existing_folder(target: Target) -> tuple[Path, Problem | None]:
    """The folder itself or its nearest existing ancestor (where the run will create it)."""
    path = target.folder
    while not path.exists() and path != path.parent:
        path = path.parent
    if path.is_dir():
        return path, None
    if path == target.folder:
        what = "is a file, not a folder"
    else:
        what = f"cannot be created: {path} is a file, not a folder"
    return path, Problem(
        target.role,
        target.folder,
        what,
        target.fix(f"move {path} away or choose a path under a folder"),
    )


def _check_file(target: Target) -> Problem | None:
    """An existing file the run rewrites must open for writing (immutable, read-only, folder)."""
    file = target.file
    if file is None or not file.exists():
        return None
    if file.is_dir():
        return Problem(
            target.role, file, "is a folder, not a file", target.fix(f"move {file} away")
        )
    try:
        os.close(os.open(file, os.O_WRONLY | os.O_APPEND))
    except OSError as exc:
        what, action = _explain(exc, file)
        return Problem(target.role, file, f"cannot be written ({what})", target.fix(action))
    return None


def _probe(folder: Path, target: Target) -> Problem | None:
    """Create, write, fsync and delete a probe file in `folder`."""
    probe = folder / f".kotapintar-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"kotapintar write probe\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):  # it was never created, or the folder refuses
            probe.unlink()
        what, action = _explain(exc, folder)
        return Problem(
            target.role, folder, f"cannot write a file there ({what})", target.fix(action)
        )
    return None


def _free_space(folder: Path, target: Target, min_free_mb: int) -> Problem | None:
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    if free_mb >= min_free_mb:
        return None
    return Problem(
        target.role,
        folder,
        f"only {free_mb} MB free on its disk, the run needs at least {min_free_mb} MB",
        target.fix("free some space"),
    )


def _explain(exc: OSError, path: Path) -> tuple[str, str]:
    """(what is wrong, the fix) for an OSError from writing at `path`."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full", "free some space"
    if code == errno.EROFS:
        return "the file system is read-only", "remount it read-write"
    if code == errno.EPERM:
        # EPERM (not EACCES) on a file: the immutable or append-only attribute.
        return "operation not permitted: immutable?", f"check `lsattr {path}`, `chattr -i {path}`"
    if code == errno.EACCES:
        user = _user()
        return "permission denied", f"give {user} write access (chmod u+w / chown {user} {path})"
    return exc.strerror or type(exc).__name__, "choose a folder you can write to"


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return "this user"
