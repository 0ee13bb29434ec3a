"""One import pipeline for every format: conversation -> transcript note -> extraction -> ledger.

    report = run_import(app, ImportRequest(path, "chatgpt"), progress=callback)

A parser (registry) yields Conversations; nothing here knows one format from another, except
that chat logs of people (registry kind "chat") are cut into one note per month (periods.py).
Adding a format is adding a parser. The stages, a module each:

    run.py       the lock, the run's row in import_runs, progress; calls the passes below
    read.py      pass 1, parse: the whole export is read and validated, each conversation is
                 compared with the ledger (standing.py: new, changed, resumed, extraction-only or
                 unchanged), and those that need work are staged in a temporary spool (spool.py)
    write.py     pass 2, oldest first: plan (importers/plan.py: the transcript text and the
                 extraction decisions, in worker processes where the backend allows) -> write
                 (the one writer, ledger row pending then done) -> index (in batches)
    planning.py  which turns extraction reads and how (also what a planner runs)
    decisions.py replaying a plan's decisions, or deciding in the write stage

Guarantees:
- Bad input never half-writes the vault: a truncated zip, invalid JSON or UTF-8 half-way
  through, a wrong format or an empty export is one InputFormatError from pass 1, before a
  single byte reaches the vault.
- kill -9 anywhere leaves at most one conversation pending in the ledger, which the next run
  redoes on the same path; every step is idempotent (same bytes, facts already present), so
  nothing is duplicated. (A kill between a conversation's decisions and its ledger row records
  its decisions twice in the decisions log; the journal may show a fact set again, never a
  second line.) Ledger states: pending, done, edited (see ledger.py).
- A transcript note the user edited is kept (the writer's compare-and-swap); its new turns are
  still extracted.
- Extraction decides on the user's and other people's turns; assistant and system turns are
  context only; "About me" texts are extracted once per distinct text (planning.py).
- A run with worker processes writes the same vault, journal, decisions, ledger and index as a
  run without (tests/importers/test_parallel.py).

The function is safe to run in a daemon thread: it talks to the app only through its locked
state database and writer, holds an import lock file so two imports never interleave, reports
progress through a callback and the `import_runs` table, and stops between conversations when
`cancel` is set.
"""

from .planning import CONTEXT_CHARS, CONTEXT_ROLES, DECIDE_ROLES, NOT_STATEMENTS
from .request import ImportBusyError, ImportProgress, ImportReport, ImportRequest, normalise_format
from .run import run_import

__all__ = ["CONTEXT_CHARS", "CONTEXT_ROLES", "DECIDE_ROLES", "NOT_STATEMENTS", "ImportBusyError", "ImportProgress",
           "ImportReport", "ImportRequest", "normalise_format", "run_import"]
