"""The staging area between reading an export and writing the vault.

The first pass reads the whole export (which is how a truncated or invalid file is found before
anything is written) and puts each conversation that needs work here: pickled, compressed, in an
anonymous temporary file beside the state database. The second pass takes them back in
chronological order, which an export does not guarantee (ChatGPT lists the newest first), so a
later "I moved to Porto" replaces an earlier "I live in Lisbon" and not the other way round.

Memory stays bounded: per staged conversation, three numbers are kept in memory (24 bytes in
typed arrays). The file is unlinked from the start (TemporaryFile), so a kill -9 leaves nothing
behind.
"""

from __future__ import annotations

import pickle
import tempfile
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Spool:
    def __init__(self, folder: Path | None = None):
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(prefix="memd-import-", dir=folder)
        self._keys = array("d")
        self._offsets = array("q")
        self._sizes = array("q")
        self._end = 0

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, sort_key: float, record: Any) -> bytes:
        """Stage `record`; `sort_key` orders the drain (a timestamp; inf for the undated). Returns
        the bytes staged (see `decode`)."""
        return self.add_encoded(sort_key, self.encode(record))

    @staticmethod
    def encode(record: Any) -> bytes:
        """The bytes `add` stages for `record` (another process may make them: add_encoded)."""
        return zlib.compress(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL), 1)

    def add_encoded(self, sort_key: float, data: bytes) -> bytes:
        """Stage a record `encode` made."""
        self._file.seek(self._end)
        self._file.write(data)
        self._keys.append(sort_key)
        self._offsets.append(self._end)
        self._sizes.append(len(data))
        self._end += len(data)
        return data

    def drain(self) -> Iterator[Any]:
        """The records in `sort_key` order (ties in the order they were added: the sort is stable)."""
        self._file.flush()
        for i in sorted(range(len(self._keys)), key=self._keys.__getitem__):
            self._file.seek(self._offsets[i])
            yield self.decode(self._file.read(self._sizes[i]))

    @staticmethod
    def decode(data: bytes) -> Any:
        """A record from the bytes `encode` made."""
        return pickle.loads(zlib.decompress(data))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
