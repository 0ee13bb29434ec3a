"""`memd import notion PATH` (an export zip or folder) and `memd import notion --token-env VAR`
(the API, api_import.py). Registered under `memd import` by memd/cli/import_cmds.py, which
imports this module (import it only through memd.cli; the library entry point is run.py).

Both end in write_pages (write.py) and print its NotionReport: pages written / updated /
unchanged / kept / skipped / failed, each failure with its path, id and reason (`--json`: all).
"""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, err_console, json_option, print_table, state

SHOW_ITEMS = 20


@click.command("notion")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--entities-from", "entities_from", multiple=True, metavar="DATABASE",
              help="Also make each row of this database (a people / contacts / projects table) an entity in"
                   " memory/entities/ (repeatable).")
@click.option("--no-attachments", is_flag=True, help="Do not copy attached files and images.")
@click.option("--no-extract", is_flag=True, help="Write the notes only; extract facts on a later run.")
# -- the API (api_import.py) ------------------------------------------------------------------------
@click.option("--token-env", metavar="VAR", help="Import through the Notion API, with the integration token in the"
                                                 " environment variable VAR (never the token itself).")
@click.option("--page", "pages", multiple=True, metavar="ID|URL",
              help="With --token-env: only this page and what is under it (repeatable; default: all shared).")
@json_option
def import_notion(path: str | None, dry_run: bool, entities_from: tuple[str, ...], no_attachments: bool,
                  no_extract: bool, token_env: str | None, pages: tuple[str, ...]) -> None:
    """Import Notion: an export (HTML or Markdown & CSV zip, Part-N zips, or the unzipped folder),
    or pages through the API with --token-env.

    \b
    memd import notion ~/Downloads/Export-1234.zip
    memd import notion ~/Downloads/Export-1234.zip --entities-from People --dry-run
    memd import notion --token-env NOTION_TOKEN --page https://www.notion.so/My-page-0123…
    """
    app = state().app()
    with _progress() as update:
        if token_env:
            if path:
                raise click.UsageError("give an export PATH or --token-env, not both")
            from .api_import import ApiImportRequest, run_api_import

            report = run_api_import(app, ApiImportRequest(token_env=token_env, pages=list(pages), dry_run=dry_run,
                                                          attachments=not no_attachments, extract=not no_extract),
                                    progress=update)
        else:
            if not path:
                raise click.UsageError("give the export's PATH (a zip or a folder), or --token-env for the API")
            if pages:
                raise click.UsageError("--page goes with --token-env")
            from .run import import_export

            report = import_export(app, path, dry_run=dry_run, attachments=not no_attachments,
                                   extract=not no_extract, entities_from=list(entities_from), progress=update)
    emit(report.to_json(), _show)


class _progress:
    """One bar on stderr (a terminal without --json only): reading, then writing."""

    def __enter__(self) -> Any:
        self.bar = None
        if state().json or not err_console.is_terminal:
            return lambda phase, done, total: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err_console, transient=True)
        self.bar.__enter__()
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = self.bar.add_task(phase.capitalize(), total=total)
            self.bar.update(tasks[phase], completed=done, total=total)

        return update

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _show(d: dict[str, Any]) -> None:
    c = d["counts"]
    console.print(f"[bold]notion[/bold] {escape(str(d.get('source') or ''))}"
                  + (f" [dim]({d['format']})[/dim]" if d.get("format") else ""))
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_column(style="dim")
    would = "would be " if d["dry_run"] else ""
    t.add_row(f"{would}written", str(c["written"]), "new notes")
    t.add_row(f"{would}updated", str(c["updated"]), "changed in Notion")
    t.add_row("unchanged", str(c["unchanged"]), "")
    if c["kept"]:
        t.add_row("kept", str(c["kept"]), "edited by hand: left as they are, the new version to review")
    t.add_row("skipped", str(c["skipped"]), "")
    t.add_row("failed", str(c["failed"]), "")
    t.add_row("attachments", str(d["attachments"]), f"{would}copied")
    if d.get("entities"):
        t.add_row("entities", str(d["entities"]), "from --entities-from")
    outside = d.get("links_outside_import", {}).get("count", 0)
    if outside:
        t.add_row("outside links", str(outside), "to pages not in the import: kept as notion.so links (--json lists them)")
    t.add_row("facts added", str(d["facts_added"]), "")
    t.add_row("review items", str(d["review_items"]), "memd review" if d["review_items"] else "")
    print_table(t)
    problems = [i for i in d["items"] if i["status"] in ("failed", "skipped", "kept")]
    for item in problems[:SHOW_ITEMS]:
        colour = "red" if item["status"] == "failed" else "yellow"
        console.print(f"  [{colour}]{item['status']}[/{colour}] {escape(item['path'])}"
                      f" [dim]{item.get('notion_id') or ''}[/dim]: {escape(item.get('reason', ''))}")
    if len(problems) > SHOW_ITEMS:
        console.print(f"  … and {len(problems) - SHOW_ITEMS} more (--json lists them all)")
    if d["dry_run"]:
        console.print("[dim]dry run: nothing was written[/dim]")
