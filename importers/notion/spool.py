"""Pages spooled to a temporary file between the writer's two passes (write.py), so memory stays
flat however large the export: the plan keeps a few fields per page, the pages wait on disk."""

from __future__ import annotations

import os
import pickle
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .model import NotionPage


class PageSpool:
    """Pages pickled and compressed into a temporary file, read back by number."""

    def __init__(self, folder: Path | None):
        self.fh = tempfile.TemporaryFile(prefix="memd-notion-", dir=folder)
        self.offsets: list[tuple[int, int]] = []

    def add(self, page: NotionPage) -> int:
        blob = zlib.compress(pickle.dumps(page, pickle.HIGHEST_PROTOCOL), 1)
        self.fh.seek(0, os.SEEK_END)
        self.offsets.append((self.fh.tell(), len(blob)))
        self.fh.write(blob)
        return len(self.offsets) - 1

    def get(self, n: int) -> NotionPage:
        off, size = self.offsets[n]
        self.fh.seek(off)
        return pickle.loads(zlib.decompress(self.fh.read(size)))  # our own temporary file, written above

    def close(self) -> None:
        self.fh.close()


@contextmanager
def spooled(app: Any) -> Iterator[PageSpool]:
    """A spool in the state folder (the same disk as memd's state, not a small /tmp)."""
    folder = Path(app.config.state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    spool = PageSpool(folder)
    try:
        yield spool
    finally:
        spool.close()
