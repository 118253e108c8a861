"""Cache invalidations between processes that do not share a cache (embedded mode).

With Redis every process sees one cache, and deleting an entry is enough. In embedded
mode each process has its own in-memory cache: a key revoked or a member removed by a
management command run beside the server deletes the entries in the command's cache
only, and the server would keep answering from its copy. So, with a process-local cache,
every invalidation is also appended to a small file next to the data
(``cache-invalidations.log``), and each request of the server first deletes the entries
other processes appended since it last looked (one ``stat`` when nothing changed).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

FILE_NAME = "cache-invalidations.log"
ROTATE_BYTES = 1024 * 1024


def process_local_cache() -> bool:
    return "locmem" in str(settings.CACHES["default"]["BACKEND"]).lower()


def _path() -> Path:
    return Path(settings.VAR_DIR) / FILE_NAME


def record(names: Iterable[str]) -> None:
    """Tell the other processes sharing the data directory to delete these cache entries."""
    names = [name for name in names if name and " " not in name and "\n" not in name]
    if not names or not process_local_cache():
        return
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.stat().st_size > ROTATE_BYTES:
            os.replace(path, path.with_suffix(".log.1"))  # readers finish the old file by inode
    except FileNotFoundError:
        pass
    line = f"{os.getpid()} {' '.join(names)}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)  # one append: other writers' lines never interleave with it
    finally:
        os.close(fd)


class Reader:
    """Applies what other processes recorded since the last call."""

    def __init__(self) -> None:
        self._inode: int | None = None
        self._offset = 0
        self._lock = threading.Lock()

    def apply(self) -> None:
        path = _path()
        try:
            stat = path.stat()
        except FileNotFoundError:
            return
        if stat.st_ino == self._inode and stat.st_size == self._offset:
            return
        with self._lock:
            names: list[str] = []
            if self._inode is not None and stat.st_ino != self._inode:
                old = path.with_suffix(".log.1")
                try:
                    if old.stat().st_ino == self._inode:
                        names += self._read(old, self._offset)
                    else:  # rotated twice since we looked: what was lost is unknown
                        cache.clear()
                except FileNotFoundError:
                    cache.clear()
                self._offset = 0
            if self._inode is None:
                # A process starts with an empty cache: nothing written before applies to it.
                self._inode, self._offset = stat.st_ino, stat.st_size
                return
            self._inode = stat.st_ino
            names += self._read(path, self._offset)
            if names:
                cache.delete_many(names)

    def _read(self, path: Path, offset: int) -> list[str]:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits
        if path == _path():
            self._offset = offset + len(complete)
        own = str(os.getpid())
        names: list[str] = []
        for line in complete.decode(errors="replace").splitlines():
            pid, _, rest = line.partition(" ")
            if pid != own:
                names.extend(rest.split())
        return names


_reader = Reader()


class LocalInvalidationMiddleware:
    """First thing on every request: apply other processes' invalidations (process-local cache only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = process_local_cache()
        if self.enabled:
            _reader.apply()  # start from the file's current end

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.enabled:
            _reader.apply()
        return self.get_response(request)
