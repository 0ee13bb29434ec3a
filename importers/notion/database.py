"""A Markdown & CSV export's database: its columns and their types, from `<DB> <id>_all.csv`.

`_all.csv` has every row (the plain `.csv` only the exported view's); both start with a BOM.
The first column is the title. Column types are inferred from all the column's values
(properties.column_type); a relation column's cells read `Title (Title%20<id>.md), …` and become
lists of page-link placeholders.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .properties import column_type, typed

Links = Callable[[str], tuple[str, str, str] | None]
_RELATION_ITEM = re.compile(r"\s*([^,()]*?)\s*\(([^()]+\.(?:md|csv|html))\)\s*(?:,|$)")
MAX_ROWS = 200_000


@dataclass
class Database:
    columns: list[str]
    types: dict[str, str] = field(default_factory=dict)
    links: Links | None = None

    def typed_row(self, raw: dict[str, str], links: Links | None = None) -> dict[str, Any]:
        """A row's `Key: Value` lines typed as their columns are (`links`: the row page's own,
        for the relative paths in its relation values)."""
        out: dict[str, Any] = {}
        for name in self.columns[1:]:
            if name not in raw:
                continue
            kind = self.types.get(name, "text")
            value = self._relation(raw[name], links or self.links) if kind == "relation" else typed(kind, raw[name])
            if value is not None and value != []:
                out[name] = value
        return out

    @staticmethod
    def _relation(cell: str, links: Links | None) -> list[str]:
        items = []
        for m in _RELATION_ITEM.finditer(cell):
            label, href = m.group(1), m.group(2)
            target = links(href) if links else None
            if target is not None and target[0] == "page":
                items.append(f"[[notion:{target[1]}|{label}]]")
            elif label:
                items.append(label)
        return items


def _is_relation(values: list[str]) -> bool:
    vals = [v for v in values if v.strip()]
    return bool(vals) and all(_RELATION_ITEM.match(v) for v in vals)


def read_database(text: str, links: Links) -> Database:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return Database(columns=[], links=links)
    header = [h.strip() for h in header]
    columns: list[list[str]] = [[] for _ in header]
    for n, row in enumerate(reader):
        if n >= MAX_ROWS:
            break
        for i, cell in enumerate(row[: len(header)]):
            columns[i].append(cell)
    db = Database(columns=header, links=links)
    for name, values in zip(header[1:], columns[1:]):
        db.types[name] = "relation" if _is_relation(values) else column_type(values, name)
    return db
