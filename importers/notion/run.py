"""Import a Notion export in one call: read it (export_reader), write it (write.write_pages),
then map the chosen databases to entities (entities.py). The CLI's and scripts' entry point."""

from __future__ import annotations

from typing import Any

from memd.errors import InputFormatError


def import_export(app: Any, path: str, *, dry_run: bool = False, attachments: bool = True, extract: bool = True,
                  entities_from: list[str] | None = None, progress: Any = None) -> Any:
    """Read the export at `path` and write it (the CLI's and a script's entry point)."""
    from ..safezip import Limits
    from .entities import entities_from_databases
    from .export_reader import NotionExport
    from .write import write_pages

    limits = Limits.from_config(app.config.limits) if hasattr(app.config, "limits") else None
    dest = f"{app.config.memory.sources_dir.strip('/')}/notion"
    with NotionExport(path, limits) as export:
        if entities_from:
            missing = [n for n in entities_from if export.database_named(n) is None]
            if missing:
                raise InputFormatError(f"no database named {missing[0]!r} in the export"
                                       f" (databases: {', '.join(export.database_names()) or 'none'})")
        report = write_pages(app, export.pages(), dest=dest, dry_run=dry_run, attachments=attachments,
                             extract=extract, progress=progress)
        report.source, report.format = str(path), export.format
        if entities_from:
            entities_from_databases(app, export, entities_from, report, dry_run=dry_run)
    return report
