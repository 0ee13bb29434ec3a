"""The method table: what the CLI, the socket (JSON-RPC) and scripts can ask of memd.

Each method takes the application and keyword parameters and returns plain JSON-able data, so
the CLI gives the same output whether it runs the method in-process or asks the daemon over the
socket. Later parts (extraction, importers, the daemon) add their methods with `method()`.
"""

from __future__ import annotations

import inspect
import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from memd.app import Memd, result_summary
from memd.errors import ParamsError
from memd.state import Source


METHODS: dict[str, Callable[..., Any]] = {}
_SIGNATURES: dict[str, inspect.Signature] = {}


def method(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        METHODS[name] = fn
        return fn

    return register


def call(app: Memd, name: str, params: dict[str, Any] | None = None) -> Any:
    fn, bound = _bind(app, name, params)
    if app.review_note_path:
        from memd.review_note import sync_points

        before, after = sync_points(app, name)
        before()
        result = fn(*bound.args, **bound.kwargs)
        after()
        return result
    return fn(*bound.args, **bound.kwargs)


def call_params(app: Memd, method_name: str, /, **params: Any) -> Any:
    """`call` with the parameters as keywords: what the socket's dispatcher hands a method.
    Positional-only, so a parameter called `name` (get_entity's) is a parameter like any other."""
    return call(app, method_name, params)


def call_check(app: Memd, name: str, params: dict[str, Any] | None = None) -> None:
    """Raise ParamsError now if `call` would (for work that then runs in the background)."""
    _bind(app, name, params)


def _bind(app: Memd, name: str, params: dict[str, Any] | None) -> tuple[Callable[..., Any], inspect.BoundArguments]:
    fn = METHODS.get(name)
    if fn is None:
        raise ParamsError(f"unknown method {name!r}")
    params = dict(params or {})
    signature = _SIGNATURES.get(name)
    if signature is None:
        signature = _SIGNATURES[name] = inspect.signature(fn)
    try:
        bound = signature.bind(app, **params)
    except TypeError as exc:
        raise ParamsError(f"{name}: {exc}") from None
    for pname, value in list(bound.arguments.items())[1:]:
        _check_type(name, pname, value, signature.parameters[pname].annotation)
    _check_query(app, name, bound.arguments)
    return fn, bound


# The free text a method searches with. A search's work grows with its query (a 1 MiB query held
# a socket thread for 74 s and 700 MB), so it is capped: [limits] max_query_chars, and words.
_QUERY_PARAMS = {"search": "query", "ask": "question", "context": "query"}
_MAX_QUERY_WORDS = 1000


def _check_query(app: Memd, method_name: str, arguments: dict[str, Any]) -> None:
    pname = _QUERY_PARAMS.get(method_name)
    value = arguments.get(pname) if pname else None
    if not isinstance(value, str):
        return
    cap = app.config.limits.max_query_chars
    if len(value) > cap:
        raise ParamsError(f"{method_name}: {pname} is {len(value)} characters; at most {cap} (limits: max_query_chars)")
    if len(value) > _MAX_QUERY_WORDS and len(value.split()) > _MAX_QUERY_WORDS:
        raise ParamsError(f"{method_name}: {pname} has more than {_MAX_QUERY_WORDS} words")


_TYPES = {"str": str, "int": int, "bool": bool, "float": (int, float), "list": list, "dict": dict}


def _check_type(method_name: str, pname: str, value: Any, annotation: Any) -> None:
    """Enough type checking that a script's wrong call fails with a clear message, not a traceback."""
    names = re.findall(r"[a-z]+", str(annotation))
    if value is None:
        # JSON null where the method takes no None: refused here, not a TypeError deep inside.
        if annotation is not inspect.Parameter.empty and not {"None", "Any", "Optional"} & set(
                re.findall(r"\w+", str(annotation))):
            wanted = " or ".join(n for n in names if n in _TYPES) or "a value"
            raise ParamsError(f"{method_name}: {pname} must be {wanted}, not null")
        return
    allowed = tuple(t for n in names if n in _TYPES for t in (_TYPES[n] if isinstance(_TYPES[n], tuple) else (_TYPES[n],)))
    if not allowed:
        return
    if isinstance(value, bool) and bool not in allowed:
        raise ParamsError(f"{method_name}: {pname} must be {' or '.join(names)}")
    if not isinstance(value, allowed):
        raise ParamsError(f"{method_name}: {pname} must be {' or '.join(n for n in names if n in _TYPES)}")
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: bytes that were not UTF-8 (a shell argument)
            raise ParamsError(f"{method_name}: {pname} is not valid UTF-8") from None


def parse_since(text: str | None) -> str | None:
    """`2024-05-01`, `2024-05-01T10:00`, or a relative `3d` / `12h` / `30m` / `2w` -> ISO UTC."""
    if not text:
        return None
    m = re.fullmatch(r"(\d+)\s*([smhdw])", text.strip())
    if m:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[m.group(2)]
        when = datetime.now(timezone.utc) - timedelta(**{unit: int(m.group(1))})
    else:
        try:
            when = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ParamsError(f"--since: expected a date like 2024-05-01 or a span like 3d, got {text!r}") from None
        if when.tzinfo is None:
            when = when.astimezone()
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@method("search")
def search(app: Memd, query: str, limit: int = 10, kind: str | None = None, path: str | None = None,
           group: bool = False) -> dict[str, Any]:
    if limit < 1 or limit > 1000:
        raise ParamsError("search: limit must be between 1 and 1000")
    if not query.strip():
        raise ParamsError("search: empty query")
    from memd.index.query_terms import parse_query

    if not parse_query(query).words:
        return {"query": query, "results": [], "note": "the query has no words to search for"}
    return {"query": query, "results": app.search(query, limit=limit, kind=kind, path_prefix=path, group=group,
                                                  expand=True)}


@method("get_entity")
def get_entity(app: Memd, name: str) -> dict[str, Any]:
    return app.get_entity(name)


@method("entity.list")
def entity_list(app: Memd) -> dict[str, Any]:
    app.ensure_memory_indexed()
    return {"entities": app.index.memory_notes()}


@method("fact.set")
def fact_set(app: Memd, entity: str, key: str, value: str, multi: bool = False, section: str | None = None) -> dict[str, Any]:
    try:
        results = app.set_fact(entity, key, value, Source("cli", detail=f"{key}: {value}"), multi=multi, section=section)
    except ValueError as exc:
        raise ParamsError(f"fact.set: {exc}") from None
    return result_summary(results)


@method("fact.remove")
def fact_remove(app: Memd, entity: str, key: str, value: str | None = None, via: str = "cli") -> dict[str, Any]:
    """`via` names the caller in the journal (`memd why`, `memd log`): the CLI, or an MCP client."""
    if via not in ("cli", "mcp"):
        raise ParamsError("fact.remove: via must be cli or mcp")
    return result_summary(app.remove_fact(entity, key, value, Source(via)))


@method("log")
def log(app: Memd, entity: str | None = None, since: str | None = None, limit: int = 50) -> dict[str, Any]:
    return {"entries": app.log(entity=entity, since=parse_since(since), limit=limit)}


@method("undo")
def undo(app: Memd, id: int) -> dict[str, Any]:
    return app.undo(id).to_json()


@method("why")
def why(app: Memd, entity: str, key: str | None = None) -> dict[str, Any]:
    return app.why(entity, key)


@method("review.list")
def review_list(app: Memd, status: str | None = "pending") -> dict[str, Any]:
    if status not in (None, "pending", "accepted", "rejected", "all"):
        raise ParamsError("review.list: status must be pending, accepted, rejected or all")
    return {"items": app.review_list(None if status == "all" else status)}


@method("review.resolve")
def review_resolve(app: Memd, id: int, decision: str, value: str | None = None) -> dict[str, Any]:
    return app.review_resolve(id, decision, value)


@method("status")
def status(app: Memd) -> dict[str, Any]:
    return app.status()


@method("reindex")
def reindex(app: Memd) -> dict[str, Any]:
    return app.reindex().to_json()


# -- extraction ------------------------------------------------------------------------------------
def extraction_loop(app: Memd, source_kind: str = "ingest") -> Any:
    """The app's extraction loop for `source_kind`, built once (a model loads only once)."""
    from memd.extract.loop import ExtractionLoop

    with _LOOP_LOCK:
        loops = app.__dict__.setdefault("_loops", {})
        if source_kind not in loops:
            loops[source_kind] = ExtractionLoop(app, shared_backend(app), source_kind=source_kind)
        return loops[source_kind]


def shared_backend(app: Memd) -> Any:
    """The app's extraction backend, built once and shared by ingest, remember and imports (a
    model loads once, even when an import and a live turn ask for it at the same moment)."""
    from memd.extract.backends import build_backend

    with _LOOP_LOCK:
        if "_backend" not in app.__dict__:
            app.__dict__["_backend"] = build_backend(app.config)
        return app.__dict__["_backend"]


_LOOP_LOCK = threading.RLock()  # extraction_loop holds it while shared_backend takes it


_ROLES = ("user", "assistant", "system", "other")


@method("ingest")
def ingest(app: Memd, stream: str, text: str, role: str = "user", author: str | None = None,
           time: str | None = None, turn_id: str | None = None, end: bool = False,
           source_link: str | None = None) -> dict[str, Any]:
    """One new chat turn through the extraction loop; `end` also closes the stream."""
    from memd.extract.tools import Turn

    if role not in _ROLES:
        raise ParamsError(f"ingest: role must be one of {', '.join(_ROLES)}")
    if not stream.strip():
        raise ParamsError("ingest: stream must not be empty")
    if len(text) > 200_000:
        raise ParamsError("ingest: text is longer than 200,000 characters; split it into turns")
    if time is not None:
        try:
            datetime.fromisoformat(time.replace("Z", "+00:00"))
        except ValueError:
            raise ParamsError(f"ingest: time must be ISO 8601, got {time!r}") from None
    loop = extraction_loop(app)
    if turn_id is None:
        turn_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    out: dict[str, Any] = {}
    if text.strip():
        turn = Turn(stream=stream, role=role, text=text, author=author, time=time, turn_id=turn_id,
                    source_link=source_link)
        out["decision"] = loop.process(turn).to_json()
    if end:
        flushed = loop.end_stream(stream)
        out["end"] = flushed.to_json() if flushed else None
    return out


@method("stream.end")
def stream_end(app: Memd, stream: str) -> dict[str, Any]:
    flushed = extraction_loop(app).end_stream(stream)
    return {"stream": stream, "end": flushed.to_json() if flushed else None}


@method("remember")
def remember(app: Memd, text: str) -> dict[str, Any]:
    """One statement, decided at once."""
    if not text.strip():
        raise ParamsError("remember: nothing to remember")
    decisions = extraction_loop(app, "remember").remember(text)
    return {"decisions": [d.to_json() for d in decisions]}


@method("decisions")
def decisions(app: Memd, stream: str | None = None, limit: int = 50) -> dict[str, Any]:
    from memd.extract.streams import StreamStore

    store = StreamStore(app.state, app.config.extract.window_turns)
    return {"decisions": store.decisions(stream, limit), "buffers": store.streams_with_buffer()}


# -- imports ---------------------------------------------------------------------------------------
@method("import.start")
def import_start(app: Memd, path: str, format: str = "auto", all_branches: bool = False,
                 me: list[str] | str | None = None, tz: str | None = None, since: str | None = None,
                 limit: int | None = None, extract: bool = True, dry_run: bool = False,
                 date_order: str | None = None) -> dict[str, Any]:
    """Import an export (ChatGPT, Claude, chat logs) and return the report. Runs to the end; a
    daemon runs it in a thread and answers `import.status` meanwhile (progress is kept in the
    state database, updated about once a second)."""
    from memd.importers import registry
    from memd.importers.pipeline import ImportRequest, normalise_format, run_import

    fmt = normalise_format(format)
    if fmt != "auto" and fmt not in registry.names():
        raise ParamsError(f"import.start: unknown format {format!r} (known: auto, {', '.join(registry.names())})")
    if limit is not None and limit < 1:
        raise ParamsError("import.start: limit must be at least 1")
    if date_order is not None and date_order not in ("dmy", "mdy"):
        raise ParamsError(f"import.start: date_order must be dmy or mdy, got {date_order!r}")
    since_iso = parse_since(since)
    request = ImportRequest(
        path=path, format=fmt, all_branches=all_branches, me=[me] if isinstance(me, str) else list(me or []),
        tz=tz or app.config.import_.tz or None,
        since=datetime.fromisoformat(since_iso.replace("Z", "+00:00")) if since_iso else None, limit=limit,
        extract=extract, dry_run=dry_run, date_order=date_order or app.config.import_.date_order or None)
    backend = shared_backend(app) if extract and not dry_run else None
    return run_import(app, request, backend=backend, cancel=app.import_cancel).to_json()


@method("import.status")
def import_status(app: Memd, id: int | None = None) -> dict[str, Any]:
    """The running import's progress (or the last one's outcome), and what the ledger holds."""
    from memd.importers.ledger import Ledger

    ledger = Ledger(app.state)
    run = ledger.run(id)
    if id is not None and run is None:
        raise ParamsError(f"import.status: no import run #{id}")
    return {"run": run, "recent": ledger.runs(10), "ledger": ledger.counts()}


# -- questions -------------------------------------------------------------------------------------
@method("ask")
def ask(app: Memd, question: str, limit: int = 5, filter: str | None = None,
        hide: list[str] | None = None) -> dict[str, Any]:
    """An answer from memory: the best-matching facts, each with its file and line; with
    [ask] backend = openai | mlx, mem-agent's loop over the memory folder (memd.agent), which
    honours `filter` (free text) and `hide` (fact keys never revealed)."""
    from memd.query.ask import ask as answer

    if not question.strip():
        raise ParamsError("ask: empty question")
    if app.config.ask.backend != "extractive":
        from memd.agent.service import ask_with_model

        return ask_with_model(app, question, filter=filter, hide=hide)
    if filter or hide:
        raise ParamsError("ask: filter and hide need a model ([ask] backend = openai or mlx)")
    return answer(app, question, limit=limit)


@method("context")
def context(app: Memd, query: str | None = None, budget: int = 350) -> dict[str, Any]:
    """A memory pack for a model's prompt, within `budget` words: the user's profile, the facts
    that match `query` and the transcript turns that back them, each with its link."""
    from memd.query.context import build

    if not 1 <= budget <= 20_000:
        raise ParamsError(f"context: budget must be between 1 and 20000 words, got {budget}")
    return build(app, query, budget=budget)


@method("export.json")
def export_json(app: Memd, path: str | None = None) -> dict[str, Any]:
    """The memory as one JSON document (written to `path`, or returned when no path is given)."""
    from pathlib import Path

    from memd.exporters.json_export import export_json as write, memory_document

    if path is None:
        return memory_document(app)
    out = Path(path).expanduser()
    if not out.parent.is_dir():
        raise ParamsError(f"export.json: no folder {out.parent}")
    return write(app, out.resolve())
