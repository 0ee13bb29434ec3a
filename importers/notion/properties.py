"""Database-row properties as typed values (YAML frontmatter, then Obsidian properties).

The HTML export says each property's type (`tr.property-row-<type>`); the Markdown & CSV
export does not, so a column's type is inferred from all its values in the CSV: numbers,
Yes/No checkboxes, dates, and comma-separated multi-selects are recognised only when every
non-empty value of the column fits, so a text column is never half converted.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%Y/%m/%d", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y")
TIME_FORMATS = ("%I:%M %p", "%H:%M")
LIST_TYPES = ("multi_select", "select", "status", "relation", "file", "person", "people", "created_by",
              "last_edited_by")
DATE_TYPES = ("date", "created_time", "last_edited_time")


def parse_date(text: str) -> dt.date | dt.datetime | str | None:
    """A Notion date ("May 1, 2024", "2024/05/01", "May 1, 2024 10:30 AM"); a range keeps its
    start (Obsidian properties hold one date). None if it is not a date."""
    text = text.strip().lstrip("@").strip()
    if not text:
        return None
    text = re.split(r"\s+(?:→|->)\s+", text)[0].strip()
    text = re.sub(r"\s*\((?:GMT|UTC)[^)]*\)$", "", text)
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
        for tfmt in TIME_FORMATS:
            try:
                return dt.datetime.strptime(text, f"{fmt} {tfmt}")
            except ValueError:
                pass
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_number(text: str) -> int | float | None:
    t = text.strip().replace(",", "")
    t = re.sub(r"^[$€£¥]|%$", "", t)
    try:
        return int(t) if re.fullmatch(r"-?\d+", t) else float(t) if re.fullmatch(r"-?\d*\.\d+(e-?\d+)?", t) else None
    except ValueError:
        return None


def parse_value(kind: str, td: Any, conv: Any) -> Any:
    """One HTML property cell as its typed value (None: leave it out)."""
    kind = kind.lower()
    if kind == "checkbox":
        return td.find(class_="checkbox-on") is not None
    if kind in ("number", "auto_increment_id", "unique_id"):
        n = parse_number(td.get_text())
        return n if n is not None else (td.get_text().strip() or None)
    if kind in DATE_TYPES:
        value = parse_date(td.get_text())
        return value if value is not None else (td.get_text().strip() or None)
    if kind in LIST_TYPES:
        anchors = td.find_all("a")
        if kind in ("relation", "file") and anchors:
            items = [conv.link(a, conv.text(a)) for a in anchors]
        else:
            spans = td.find_all(class_="selected-value") or td.find_all(class_="user") or []
            items = [s.get_text().strip() for s in spans] if spans else \
                [p.strip() for p in td.get_text().split(",")]
        items = [i for i in items if i]
        return items or None
    text = conv.text(td)
    return text or None


# -- CSV columns (Markdown & CSV export) ----------------------------------------------------------
LIST_NAMES = ("tags", "tag", "labels", "categories", "keywords")


def column_type(values: list[str], name: str = "") -> str:
    """The type every non-empty value of a column fits: checkbox, number, date, list or text
    (a Tags-like column is a list even where every row has one tag)."""
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals:
        return "text"
    if name.strip().lower() in LIST_NAMES:
        return "list"
    if all(v in ("Yes", "No") for v in vals):
        return "checkbox"
    if all(parse_number(v) is not None for v in vals):
        return "number"
    if all(isinstance(parse_date(v), (dt.date, dt.datetime)) for v in vals):
        return "date"
    if any(", " in v for v in vals):
        parts = [p.strip() for v in vals for p in v.split(",")]
        # Select options are short labels, reused across rows; sentences are text.
        if all(0 < len(p) <= 40 and not p.endswith((".", "!", "?")) and len(p.split()) <= 4 for p in parts) \
                and len(set(parts)) < len(parts):
            return "list"
    return "text"


def typed(kind: str, value: str) -> Any:
    value = value.strip()
    if not value:
        return None
    if kind == "checkbox":
        return value == "Yes"
    if kind == "number":
        return parse_number(value)
    if kind == "date":
        return parse_date(value)
    if kind == "list":
        return [p.strip() for p in value.split(",") if p.strip()]
    return value
