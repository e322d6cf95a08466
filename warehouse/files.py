"""File housekeeping of the atomic publishes (warehouse/snapshot.py, warehouse/export.py).

Two rules:

- **A replacement keeps the access of what it replaces.** A new file is created with the
  process's umask (0600 under `umask 077`); renamed over the analyst file it would lock out the
  group that reads it. So the new file takes the old one's mode, and its group when the process
  may set it (an owner can chown to a group it belongs to).
- **A killed run's temporary files do not pile up.** Publishes write `<name>.tmp-<pid>` (and
  DuckDB's `.wal`), `.<exports>.tmp-<pid>` (and `-spill`) and `.<exports>.old-<pid>` next to
  their target; a kill leaves them behind. Each publish first removes the stale ones: only
  names of exactly that pattern, and only when the pid is no longer running or the file is
  more than a day old (a pid can be reused), so a run in progress in another process keeps
  its files.

An export carries the files of unchanged tables into its new folder by hard link
(`link_or_copy`): no bytes are written, and removing the old folder leaves the new name.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import time
from pathlib import Path

# A temp file older than this is stale even if its pid is running again (pid reuse).
STALE_AFTER_SECONDS = 24 * 3600


def keep_access(new: Path, old: Path) -> None:
    """Give `new` the permission bits and, when allowed, the group of `old` (if it exists)."""
    try:
        was = old.stat()
    except FileNotFoundError:
        return
    if new.stat().st_gid != was.st_gid and hasattr(os, "chown"):
        # Only root or a member of the group may do this; otherwise the group stays ours.
        with contextlib.suppress(PermissionError):
            os.chown(new, -1, was.st_gid)
    # After chown, which may clear setgid bits.
    os.chmod(new, stat.S_IMODE(was.st_mode))


def link_or_copy(source: Path, target: Path) -> None:
    """Make `target` a hard link to `source`, or a copy keeping its mtime where the file
    system cannot link (another device, no hard links)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def remove_stale(folder: Path, pattern: re.Pattern[str], *, now: float | None = None) -> list[Path]:
    """Remove the entries of `folder` whose whole name matches `pattern` (which has a `pid`
    group) and that are stale: their process is gone or they are older than a day. Returns
    what was removed."""
    now = time.time() if now is None else now
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for path in sorted(folder.iterdir()):
            found = pattern.fullmatch(path.name)
            if found is None:
                continue
            try:
                age = now - path.lstat().st_mtime
            except FileNotFoundError:
                continue  # its own run just removed it
            if age > STALE_AFTER_SECONDS or not pid_running(int(found["pid"])):
                _delete(path)
                removed.append(path)
    return removed


def pid_running(pid: int) -> bool:
    """Whether a process with this id exists (another user's counts). Off POSIX, assume it
    does: then only age makes a temp file stale."""
    if pid <= 0:
        return False  # not a pid a run of ours can have; os.kill(0) would mean our group
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
