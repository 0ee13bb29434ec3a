"""JSON-RPC 2.0 over newline-delimited JSON: parsing, validation, dispatch and error mapping.

Transport-free: the socket server feeds it one line at a time and writes back what it returns.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any

from memd import errors as memd_errors
from memd.errors import MemdError
from memd.importers.jsonscan import JsonLimits, LimitExceeded, check_text

from .wire import encode_line

log = logging.getLogger("memd.daemon.rpc")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# Server errors of our own, in the range JSON-RPC reserves for implementations.
APP_ERROR = -32000
PEER_REFUSED = -32020
SERVER_BUSY = -32021

# A stable code per error family lets non-Python clients branch without parsing messages.
APP_ERROR_CODES: dict[str, int] = {
    "MemdError": APP_ERROR,
    "ParamsError": INVALID_PARAMS,
    "ConfigError": -32001,
    "VaultError": -32002,
    "InputFormatError": -32003,
    "ConflictError": -32004,
    "NotFoundError": -32005,
    "DaemonError": -32006,
}

Handler = Callable[..., Any]

# A request is a method name and a few parameters: these bounds are far above any real one and
# far below what would cost the daemon time or memory (the line itself is capped by the server;
# long text parameters by the methods, e.g. a search query).
MAX_BATCH = 64
REQUEST_LIMITS = JsonLimits(max_depth=256, max_string=1 << 20, max_number=400, max_record=0)


class InvalidParams(Exception):
    """Raised by a handler whose arguments bind but carry unusable values (-32602)."""


class _ErrorReply(Exception):
    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


def error_object(code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return error


def error_response(request_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error_object(code, message, data)}


def memd_error_data(exc: MemdError) -> dict[str, Any]:
    return {"type": type(exc).__name__, "hint": exc.hint}


def memd_error_code(exc: MemdError) -> int:
    for cls in type(exc).__mro__:
        if cls.__name__ in APP_ERROR_CODES and getattr(memd_errors, cls.__name__, None) is cls:
            return APP_ERROR_CODES[cls.__name__]
    return APP_ERROR


def _valid_id(value: Any) -> bool:
    return value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool))


class Dispatcher:
    """Routes parsed requests to handlers.

    `methods` maps a method name to a callable taking the request's params as keyword arguments
    (or positional ones for a params array). Sync handlers run on `executor` so a slow method
    never stalls the event loop; coroutine functions are awaited on the loop.
    """

    def __init__(self, methods: Mapping[str, Handler], *, executor: Executor | None = None,
                 json_limits: JsonLimits = REQUEST_LIMITS):
        self._methods = dict(methods)
        self._executor = executor
        self._json_limits = json_limits
        # Signatures are inspected once: inspecting a functools.partial costs more than many a
        # method it describes.
        self._signatures: dict[str, inspect.Signature | None] = {}
        for name, handler in self._methods.items():
            try:
                self._signatures[name] = inspect.signature(handler)
            except (TypeError, ValueError):
                self._signatures[name] = None  # no introspectable signature: let the call decide
        self._is_async = {name: inspect.iscoroutinefunction(h) for name, h in self._methods.items()}

    @property
    def method_names(self) -> list[str]:
        return sorted(self._methods)

    async def handle_line(self, line: bytes) -> bytes | None:
        """The encoded reply to one request line, or None when nothing is owed (notifications).
        Every line gets its answer, one it cannot parse or refuses included."""
        try:
            return await self._handle_line(line)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must cost one reply, never the connection
            log.exception("request could not be handled")
            return encode_line(error_response(None, INTERNAL_ERROR, f"internal error: {type(exc).__name__}"))

    def _parse(self, line: bytes) -> tuple[Any, bytes | None]:
        """(payload, None), or (None, the error reply) for a line that is not a usable JSON text."""
        try:
            # Before json.loads: nesting past the limit would otherwise end in a RecursionError
            # deep in the C parser, and a long number or string costs time in it.
            if len(line) > min(self._json_limits.max_depth, self._json_limits.max_number):
                check_text("request", line, self._json_limits)
            return json.loads(line.decode("utf-8")), None
        except LimitExceeded as exc:
            message = str(exc).replace("request: refused, ", "request refused: ", 1)
            return None, encode_line(error_response(None, INVALID_REQUEST, message))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return None, encode_line(error_response(None, PARSE_ERROR, f"parse error: {exc}"))
        except (RecursionError, ValueError) as exc:  # limits set past what json.loads can take
            return None, encode_line(error_response(None, PARSE_ERROR, f"parse error: {type(exc).__name__}: {exc}"))

    async def _handle_line(self, line: bytes) -> bytes | None:
        payload, refusal = self._parse(line)
        if refusal is not None:
            return refusal
        if isinstance(payload, list):
            if not payload:
                return encode_line(error_response(None, INVALID_REQUEST, "invalid request: empty batch"))
            if len(payload) > MAX_BATCH:
                # Each call of a batch runs at once: 10,000 searches in one line would hold every
                # RPC thread, and every other client, for minutes.
                return encode_line(error_response(None, INVALID_REQUEST,
                                                  f"invalid request: a batch of {len(payload)} calls; at most {MAX_BATCH}"))
            replies = await asyncio.gather(*(self._handle_one(item) for item in payload))
            parts = [reply for reply in replies if reply is not None]
            if not parts:
                return None
            return b"[" + b",".join(part.rstrip(b"\n") for part in parts) + b"]\n"
        return await self._handle_one(payload)

    async def _handle_one(self, request: Any) -> bytes | None:
        if not isinstance(request, dict):
            return encode_line(error_response(None, INVALID_REQUEST, "invalid request: not an object"))
        is_notification = "id" not in request
        request_id = request.get("id")
        if not _valid_id(request_id):
            return encode_line(error_response(None, INVALID_REQUEST, "invalid request: bad id"))
        method = request.get("method")
        params = request.get("params", {})
        if request.get("jsonrpc") == "2.0" and isinstance(method, str) and params is None:
            # Well-formed apart from its params: the caller's mistake is in the arguments.
            if is_notification:
                return None
            return encode_line(error_response(request_id, INVALID_PARAMS,
                                              f"invalid params for {method}: params must be an object or array, not null"))
        if request.get("jsonrpc") != "2.0" or not isinstance(method, str) or not isinstance(params, (dict, list)):
            return encode_line(
                error_response(request_id, INVALID_REQUEST, "invalid request: needs jsonrpc '2.0', a method name, params as object or array")
            )
        try:
            result = await self._call(method, params)
        except _ErrorReply as reply:
            if is_notification:
                return None
            return encode_line(error_response(request_id, reply.code, reply.message, reply.data))
        if is_notification:
            return None
        try:
            return encode_line({"jsonrpc": "2.0", "id": request_id, "result": result})
        except (TypeError, ValueError) as exc:
            log.error("method %s returned a result that is not JSON: %s", method, exc)
            return encode_line(
                error_response(request_id, INTERNAL_ERROR, f"internal error: result of {method} is not JSON", {"type": type(exc).__name__})
            )

    async def _call(self, method: str, params: dict[str, Any] | list[Any]) -> Any:
        handler = self._methods.get(method)
        if handler is None:
            raise _ErrorReply(METHOD_NOT_FOUND, f"method not found: {method}")
        args: tuple[Any, ...] = tuple(params) if isinstance(params, list) else ()
        kwargs: dict[str, Any] = params if isinstance(params, dict) else {}
        signature = self._signatures.get(method)
        if signature is not None:
            try:
                signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise _ErrorReply(INVALID_PARAMS, f"invalid params for {method}: {exc}") from None
        try:
            if self._is_async.get(method):
                result = await handler(*args, **kwargs)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._executor, functools.partial(handler, *args, **kwargs))
                if inspect.isawaitable(result):
                    result = await result
            return result
        except InvalidParams as exc:
            raise _ErrorReply(INVALID_PARAMS, f"invalid params for {method}: {exc}") from None
        except MemdError as exc:
            raise _ErrorReply(memd_error_code(exc), exc.message, memd_error_data(exc)) from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("method %s failed", method)
            raise _ErrorReply(INTERNAL_ERROR, f"internal error in {method}: {exc}", {"type": type(exc).__name__}) from None
