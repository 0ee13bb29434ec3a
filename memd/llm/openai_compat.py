"""Any OpenAI-compatible chat server over HTTP: vLLM, SGLang, llama.cpp, Ollama, LM Studio,
mlx_lm.server.

Retries: connection failures, 429 and 5xx are retried with exponential backoff (honouring
Retry-After); other 4xx are the request's fault and are raised at once. A read timeout is not
retried: the server is alive but slow, and asking again would only double the wait.

tool_choice: "required" is what MemReader was trained with, but several servers reject it
(vLLM before 0.8.3, and vLLM/others reject even "auto" when started without a tool parser).
On a 400/422 that names tool_choice, the call is repeated with "auto", then with no tool_choice
at all (the model still sees the tools in its template and writes `<tool_call>` text, which
the response parser reads). The downgrade is remembered for the life of the model object so
later calls do not pay for the rejected request again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

import httpx

from memd.llm.base import ChatModel, ChatRequest, ChatResult
from memd.llm.errors import (
    LLMConnectionError,
    LLMHTTPError,
    LLMMalformedResponseError,
    LLMTimeoutError,
    one_line,
)
from memd.llm.openai_response import parse_chat_completion
from memd.llm.overload import OverloadGate

log = logging.getLogger("memd.llm.openai")

_UNSET = object()
OVERLOAD_RETRIES = 6  # tries of a request the server keeps answering 429/503 to, at least
# Only an error that names tool_choice triggers the fallback: other 400s that mention tools
# (a malformed tool message, a too-long prompt) must not downgrade the server for good.
_TOOL_CHOICE_WORDS = ("tool_choice", "tool choice", "toolchoice")


class OpenAICompatModel(ChatModel):
    backend = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        connect_timeout_s: float = 10.0,
        max_retries: int = 2,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        extra_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        calllog: Any = None,
        concurrency: int = 1,
    ):
        """`base_url` includes the API prefix, as in the OpenAI SDK: http://host:8000/v1.

        `extra_body` is merged into every request body, e.g.
        {"chat_template_kwargs": {"enable_thinking": True}} for vLLM/SGLang, or server-specific
        sampling keys (top_k, min_p).

        `concurrency`: how many threads may call this model at once (an import deciding many
        conversations side by side); the connection pool and the overload gate are sized to it.
        """
        super().__init__(model=model, calllog=calllog)
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/chat/completions"
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.extra_body = dict(extra_body or {})
        all_headers = {"Accept": "application/json", **(headers or {})}
        if api_key:
            all_headers["Authorization"] = f"Bearer {api_key}"
        self._headers = all_headers
        self._connect_timeout_s = connect_timeout_s
        self.concurrency = max(1, concurrency)
        self._client = self._new_client()
        self.gate = OverloadGate(self.concurrency)
        # requested tool_choice (as a hashable key) -> what this server accepted instead
        self._tool_choice_fallback: dict[str, Any] = {}
        self._fallback_lock = threading.Lock()

    def _new_client(self) -> httpx.Client:
        pool = max(10, self.concurrency)
        return httpx.Client(
            timeout=httpx.Timeout(self.timeout_s, connect=min(self._connect_timeout_s, self.timeout_s)),
            headers=self._headers,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        )

    def set_concurrency(self, concurrency: int) -> None:
        """Size the connection pool and the overload gate for `concurrency` threads. Call it
        before the threads start (the old client is closed)."""
        concurrency = max(1, concurrency)
        if concurrency == self.concurrency:
            return
        old, self.concurrency = self._client, concurrency
        self._client = self._new_client()
        self.gate = OverloadGate(concurrency)
        old.close()

    def close(self) -> None:
        self._client.close()

    def _chat(self, request: ChatRequest) -> ChatResult:
        notes: list[str] = []
        requested = request.tool_choice if request.tools else None
        choice = self._accepted_choice(requested)
        if choice is not requested:
            notes.append(f"tool_choice {requested!r} sent as {choice!r} (this server rejected it earlier)")
        while True:
            body = self._body(request, choice)
            try:
                response = self._post(body, notes)
                break
            except LLMHTTPError as exc:
                downgrade = _downgrade(choice) if request.tools else _UNSET
                if exc.status not in (400, 422) or downgrade is _UNSET or not _about_tool_choice(exc.server_message):
                    raise
                notes.append(f"server rejected tool_choice {choice!r} ({one_line(exc.server_message, 160)}); retrying with {downgrade!r}")
                log.warning("%s rejected tool_choice %r; falling back to %r", self.url, choice, downgrade)
                choice = downgrade
                with self._fallback_lock:
                    self._tool_choice_fallback[_key(requested)] = choice
        try:
            decoded = response.json()
        except ValueError:
            raise LLMMalformedResponseError(
                f"{self.url} answered with a body that is not JSON: {one_line(response.text, 120)!r}"
            ) from None
        result = parse_chat_completion(decoded, url=self.url, fallback_model=self.model)
        result.notes = notes + result.notes
        return result

    def _accepted_choice(self, requested: Any) -> Any:
        if requested is None:
            return None
        with self._fallback_lock:
            return self._tool_choice_fallback.get(_key(requested), requested)

    def _body(self, request: ChatRequest, choice: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": False,
        }
        if request.top_p is not None:
            body["top_p"] = request.top_p
        if request.tools:
            body["tools"] = request.tools
            if choice is not None:
                body["tool_choice"] = choice
        for key, value in self.extra_body.items():
            if isinstance(value, dict) and isinstance(body.get(key), dict):
                body[key] = {**body[key], **value}
            else:
                body[key] = value
        return body

    def _post(self, body: dict[str, Any], notes: list[str]) -> httpx.Response:
        attempt = 0
        while True:
            retry_after: float | None = None
            overloaded = False
            self.gate.enter()
            try:
                response = self._client.post(self.url, json=body)
            except httpx.ConnectTimeout:
                failure: Exception = LLMConnectionError(f"cannot connect to {self.url}: connection timed out")
            except httpx.ConnectError as exc:
                failure = LLMConnectionError(f"cannot connect to {self.url}: {_reason(exc)}")
            except httpx.RemoteProtocolError as exc:
                failure = LLMConnectionError(f"{self.url} closed the connection without answering: {_reason(exc)}")
            except httpx.TimeoutException:
                self.gate.leave()
                raise LLMTimeoutError(
                    f"{self.url} did not answer within {self.timeout_s:g} s",
                    hint="raise llm.timeout_s, or lower max_tokens",
                ) from None
            except httpx.HTTPError as exc:
                self.gate.leave()
                raise LLMConnectionError(f"request to {self.url} failed: {_reason(exc)}") from None
            except BaseException:
                self.gate.leave()
                raise
            else:
                status = response.status_code
                if status < 400:
                    self.gate.leave()
                    return response
                server_message = _error_message(response)
                failure = LLMHTTPError(
                    f"{self.url} answered HTTP {status}: {one_line(server_message, 200)}",
                    status=status,
                    server_message=server_message,
                    hint=_hint_for(status),
                )
                if status != 429 and status < 500:
                    self.gate.leave()
                    raise failure
                retry_after = _retry_after(response)
                overloaded = status in (429, 503)
            # (a connection failure lands here too, with the request still counted in flight)
            self.gate.leave(overloaded=overloaded, retry_after=retry_after, ok=False)
            # An overloaded server (429/503) is asked again more often than a failing one: it
            # answered, it is only busy, and the gate has already slowed everyone down.
            retries = max(self.max_retries, OVERLOAD_RETRIES) if overloaded else self.max_retries
            if attempt >= retries:
                raise failure
            delay = self._delay(attempt, retry_after)
            notes.append(f"attempt {attempt + 1} failed ({failure}); retrying in {delay:.2f} s")
            log.info("retrying %s in %.2f s after: %s", self.url, delay, failure)
            time.sleep(delay)
            attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff_s * 4)
        # Full jitter keeps several memd workers from hammering a recovering server in step.
        ceiling = min(self.max_backoff_s, self.backoff_s * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)


def _key(choice: Any) -> str:
    return repr(sorted(choice.items())) if isinstance(choice, dict) else repr(choice)


def _downgrade(choice: Any) -> Any:
    """The next weaker tool_choice to try, or _UNSET when there is none."""
    if choice == "required" or isinstance(choice, dict):
        return "auto"
    if choice == "auto":
        return None
    return _UNSET


def _about_tool_choice(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in _TOOL_CHOICE_WORDS)


def _error_message(response: httpx.Response) -> str:
    """The server's own error text: {"error": {"message"}}, {"error": str}, {"message"}, {"detail"}."""
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
        for key in ("message", "detail"):
            if isinstance(body.get(key), str):
                return body[key]
        if body.get("detail") is not None:
            return str(body["detail"])
    return response.text


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _hint_for(status: int) -> str | None:
    if status in (401, 403):
        return "check llm.api_key_env"
    if status == 404:
        return "check llm.base_url (it usually ends in /v1) and llm.model"
    return None


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return "connection refused"
    return one_line(text, 160)
