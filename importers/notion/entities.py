"""`--entities-from DATABASE`: each row of a people / contacts / projects database becomes an
entity in memory/entities/, through memd's own operations (app.set_fact, app.add_relation), so
the writer, the journal, review and provenance apply as to any fact.

A row's title is the entity's name; each property becomes a fact (`- email: …`; a list, one
fact per value), a relation to another page becomes a relation to the entity of that page's
title (created if needed); an unticked checkbox or an empty value says nothing and is left out.
Every fact links back to the row's note.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from memd.state import Source

from .model import NotionPage

_PLACEHOLDER = re.compile(r"^\[\[notion:[0-9a-f]{32}(?:#\^[A-Za-z0-9-]+)?\|([^\]]*)\]\]$")
MAX_VALUE = 300  # a long text property is a note, not a fact


def _facts(page: NotionPage) -> tuple[list[tuple[str, str, bool]], list[tuple[str, str]]]:
    """(key, value, multi) facts and (relation, target name) relations of one row."""
    facts: list[tuple[str, str, bool]] = []
    relations: list[tuple[str, str]] = []
    for name, value in page.properties.items():
        values = value if isinstance(value, list) else [value]
        multi = isinstance(value, list) and len(value) > 1
        for v in values:
            if isinstance(v, bool):
                if v:
                    facts.append((name, "yes", False))
                continue
            if isinstance(v, (dt.date, dt.datetime)):
                v = v.isoformat()
            text = str(v).strip()
            if not text or len(text) > MAX_VALUE:
                continue
            m = _PLACEHOLDER.match(text)
            if m:
                if m.group(1).strip():
                    relations.append((name, m.group(1).strip()))
                continue
            facts.append((name, text, multi))
    return facts, relations


def entities_from_databases(app: Any, export: Any, names: list[str], report: Any, *, dry_run: bool) -> None:
    from .write import SOURCE
    from ..ledger import Ledger

    ledger = Ledger(app.state)
    for name in names:
        did = export.database_named(name)
        for page in export.rows_of(did):
            if not page.title.strip():
                continue
            facts, relations = _facts(page)
            report.entities += 1
            if dry_run:
                continue
            entry = ledger.get(SOURCE, page.notion_id)
            link = f"[[{entry.path[:-3]}]]" if entry is not None and entry.path.endswith(".md") else None
            source = Source("import:notion", ref=page.notion_id, detail=f"{name}: {page.title}", link=link)
            results: list[Any] = []
            try:
                ref, created = app.ensure_entity(page.title, source)
                results += [created] if created else []
                for key, value, multi in facts:
                    results += app.set_fact(ref.name, key, value, source, multi=multi)
                for relation, target in relations:
                    if target.strip().lower() != page.title.strip().lower():
                        results += app.add_relation(ref.name, relation, target, source)
            except ValueError as exc:  # a value refused (a secret): the rest of the row still counts
                report.skip(page.source_path or page.title, page.notion_id, f"entity fact refused: {exc}")
            for result in results:
                if result is not None and result.status == "applied":
                    report.facts_added += 1
                elif result is not None and result.status == "review":
                    report.review_items += 1
