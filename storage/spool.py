"""Messages kept on this machine's disk until the database can take them.

When the database cannot take a row in time (SQLite's write lock held by another process), a message that
was already acknowledged must still survive a crash. Each is one file, written whole — a temporary name,
flushed to disk, renamed — so a crash leaves either nothing or the whole file; its content is sealed by the
caller (it holds what a citizen wrote). Every process on the machine shares the directory (it lives in
DATA_DIR, beside the SQLite file).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".msg"


@dataclass(frozen=True)
class Spooled:
    key: str
    written_at: float  # seconds since the epoch
    content: str


class Spool:
    def __init__(self, directory: Path):
        self.directory = directory

    def put(self, key: str, content: str) -> None:
        """Keep `content` under `key` (letters, digits, - and _), durably, replacing an earlier one."""
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{key}{SUFFIX}"
        temporary = self.directory / f".{key}.{os.getpid()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, content.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, final)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)

    def items(self) -> list[Spooled]:
        """What is kept, oldest first (a file removed meanwhile by another process is skipped)."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob(f"*{SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                found.append(Spooled(path.name[: -len(SUFFIX)], path.stat().st_mtime, path.read_text("utf-8")))
        return sorted(found, key=lambda item: item.written_at)

    def remove(self, key: str) -> None:
        (self.directory / f"{key}{SUFFIX}").unlink(missing_ok=True)

    def count_older(self, moment: float) -> int:
        """How many were written before `moment` (seconds since the epoch)."""
        if not self.directory.is_dir():
            return 0
        count = 0
        for path in self.directory.glob(f"*{SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                count += path.stat().st_mtime < moment
        return count
