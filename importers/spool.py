"""The staging area between reading an export and writing the vault.

The first pass reads the whole export (which is how a truncated or invalid file is found before
anything is written) and puts each conversation that needs work here: pickled, compressed, in an
anonymous temporary file beside the state database. The second pass takes them back in
chronological order, which an export does not guarantee (ChatGPT lists the newest first), so a
later "I moved to Porto" replaces an earlier "I live in Lisbon" and not the other way round.

Memory stays bounded: only a small index entry per staged conversation is kept in memory. The
file is unlinked from the start (TemporaryFile), so a kill -9 leaves nothing behind.
"""

from __future__ import annotations

import pickle
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Spool:
    def __init__(self, folder: Path | None = None):
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(prefix="memd-import-", dir=folder)
        self._index: list[tuple[Any, int, int]] = []
        self._end = 0

    def __len__(self) -> int:
        return len(self._index)

    def add(self, sort_key: Any, record: Any) -> None:
        data = zlib.compress(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL), 1)
        self._file.seek(self._end)
        self._file.write(data)
        self._index.append((sort_key, self._end, len(data)))
        self._end += len(data)

    def drain(self) -> Iterator[Any]:
        """The records in `sort_key` order (ties in the order they were added)."""
        self._file.flush()
        order = sorted(range(len(self._index)), key=lambda i: (self._index[i][0], i))
        for i in order:
            _, offset, size = self._index[i]
            self._file.seek(offset)
            yield pickle.loads(zlib.decompress(self._file.read(size)))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
