"""One import run: the lock, the run's row in `import_runs`, pass 1 (read.py), then the dry run's
plan or pass 2 (write.py), and progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING, Any

from memd.errors import InputFormatError, MemdError

from ..import_lock import import_lock
from ..ledger import Ledger
from ..report import one_line
from ..spool import Spool
from ..survey import PlannedNote
from ..times import UTC, zone
from ..transcript import redacts_transcripts, transcript_path
from .read import read_export
from .request import ImportBusyError, ImportProgress, ImportReport, ImportRequest, normalise_format
from .standing import place
from .write import write_staged

if TYPE_CHECKING:
    from memd.extract.model_estimate import ModelEstimate

RUN_UPDATE_SECONDS = 1.0


def run_import(app: Any, request: ImportRequest, *, progress: Callable[[ImportProgress], None] | None = None,
               cancel: Event | None = None, backend: Any = None, parallel: bool | None = None) -> ImportReport:
    """Import `request.path` into the app's vault (or only survey it, with `dry_run`).

    `backend`: the extraction backend (default: the config's). `parallel`: plan (render, and
    decide where the backend allows) in worker processes while this one writes: None decides by
    size, True whenever it can, False never. The vault, journal, decisions and index are the same
    either way (importers/plan.py)."""
    return ImportRun(app, request, progress, cancel, backend, parallel).run()


class ImportRun:
    """What the stages of one import share: the app, the request, the report, the ledger."""

    def __init__(self, app: Any, request: ImportRequest, progress: Callable[[ImportProgress], None] | None,
                 cancel: Event | None, backend: Any, parallel: bool | None):
        self.app = app
        self.req = request
        self.progress = progress
        self.cancel = cancel
        self.backend = backend
        self.parallel = parallel
        self.redact = redacts_transcripts(app.config.privacy)  # secrets out of notes, ledger, journal
        self.ledger = Ledger(app.state)
        self.sources_dir = app.config.memory.sources_dir.strip("/")
        self.zone: tzinfo = UTC  # set in run(), where a bad zone is reported like any bad input
        self.me = list(request.me) if request.me else list(app.config.import_.me)
        self.report = ImportReport(path=str(request.path), format=normalise_format(request.format),
                                   dry_run=request.dry_run)
        self.run_id: int | None = None
        self._last_update = 0.0
        self.estimate: ModelEstimate | None = None  # a dry run with a model backend counts turns here

    def run(self) -> ImportReport:
        start = time.perf_counter()
        path = Path(self.req.path).expanduser()
        with self._import_lock():
            # The run is recorded first, so that `import status` also reports input refused up front
            # (a daemon starts imports in the background and answers before they fail).
            self.run_id = self.ledger.start_run(fmt=self.report.format, path=str(path), options=self.req.options(),
                                                dry_run=self.req.dry_run)
            self.report.run_id = self.run_id
            try:
                self.zone = zone(self.req.tz) if self.req.tz else UTC
                _check_path(path)
                with Spool(self.app.config.state_dir) as spool:
                    if self.req.dry_run and self.req.extract:
                        from memd.extract.model_estimate import ModelEstimate

                        self.estimate = ModelEstimate.for_backend(self.backend_or_default())
                    read_export(self, path, spool)
                    if self.req.dry_run:
                        self._plan_notes(spool)
                        self._estimate_model()
                    elif len(spool):
                        write_staged(self, spool)
            except BaseException as exc:
                status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
                self.report.seconds = time.perf_counter() - start
                self.ledger.update_run(self.run_id, status=status, error=one_line(str(exc) or type(exc).__name__),
                                       counts=self.report.counts(), finished=_now())
                raise
            self.report.seconds = time.perf_counter() - start
            self.ledger.update_run(self.run_id, status="cancelled" if self.report.cancelled else "done",
                                   phase="done", counts=self.report.counts(), finished=_now())
        return self.report

    def backend_or_default(self) -> Any:
        if self.backend is None:
            from memd.extract.backends import build_backend

            self.backend = build_backend(self.app.config)
        return self.backend

    def place(self, conv: Any, claimed: dict[str, str] | None = None) -> str:
        return place(conv, vault=self.app.config.vault, sources_dir=self.sources_dir, tz=self.zone,
                     ledger=self.ledger, claimed=claimed)

    def place_guess(self, conv: Any) -> str:
        """The path `place` gives `conv` when its plain name is free (most often): a guess made
        ahead of writing, checked then."""
        return transcript_path(conv, sources_dir=self.sources_dir, tz=self.zone).as_posix()

    def _estimate_model(self) -> None:
        """A dry run with a model backend: requests, tokens and time, from a short timed sample
        against the configured server. A server that cannot be reached is said, not fatal."""
        if self.estimate is None or not self.estimate.turns:
            return
        try:
            self.report.model_estimate = self.estimate.measure(self.backend, self.app.config)
        except (MemdError, OSError) as exc:
            self.report.model_estimate = {"conversations": self.estimate.conversations,
                                          "turns_to_decide": self.estimate.turns,
                                          "skipped_chitchat": self.estimate.chitchat,
                                          "error": f"the sample could not be timed: {one_line(str(exc))}"}

    def _plan_notes(self, spool: Spool) -> None:
        """A dry run's pass 2: the notes it would write, named in the order a real run would."""
        claimed: dict[str, str] = {}  # a real run reserves each path in the ledger instead
        for stub, path, state, turns, to_extract in spool.drain():
            note_path = path or self.place(stub, claimed)
            self.report.survey.plan(PlannedNote(stub.key, stub.title, note_path, state, turns, to_extract))

    def _import_lock(self) -> Any:
        return import_lock(self.app.config.state_dir, dry_run=self.req.dry_run, error=ImportBusyError)

    def tick(self, phase: str, done: int, total: int | None, force: bool = False, model: Any = None) -> None:
        if self.progress is not None:
            progress_of = getattr(model, "progress", None)
            self.progress(ImportProgress(phase, done, total, self.report.counts(),
                                         progress_of() if callable(progress_of) else None))
        now = time.monotonic()
        if self.run_id is not None and (force or now - self._last_update >= RUN_UPDATE_SECONDS):
            self._last_update = now
            self.ledger.update_run(self.run_id, phase=phase, done=done, total=total, counts=self.report.counts())


def _check_path(path: Path) -> None:
    # A FIFO or a device would block the reader forever; an export is a file or a folder.
    try:
        if path.exists() and not (path.is_file() or path.is_dir()):
            raise InputFormatError(f"{path}: not a file or a folder")
    except OSError as exc:
        raise InputFormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _now() -> str:
    from memd.state import now_iso

    return now_iso()
