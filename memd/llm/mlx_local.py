"""A local model run in process with mlx-lm (Apple silicon; Linux CPU with `mlx[cpu]`).

The prompt is rendered with the model's own chat template (tools included), so the model sees
exactly the format it was trained on; its reply is raw text, parsed like a server without a
tool parser would leave it (`<think>` split off, `<tool_call>` blocks parsed).

Prompt cache: the steps of one extraction turn share a long prefix (system prompt + tools +
conversation); a search step or a repair retry only appends to it. The model keeps one KV
cache and the token ids it holds; each call keeps the longest common prefix, trims the rest
and prefills only the new suffix. Calls are serialized (one cache, one model).

Loaded once: the weights of a model folder are kept in a process-wide table, shared by every
MLXChatModel of that folder (extraction, ask, an import's estimate), counted, and dropped when
the last one closes. The models of one folder also share one lock: mlx-lm generates one
sequence at a time on a model, and an import decides one conversation at a time with it
(memd/llm/server_kind.py: mlx concurrency is 1), each with the prompt cache.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memd.llm.base import ChatModel, ChatRequest, ChatResult, Message, Usage
from memd.llm.errors import LLMDependencyError, LLMModelLoadError, one_line
from memd.llm.thinking import OPEN as THINK_OPEN
from memd.llm.thinking import prompt_opens_thinking, split_thinking
from memd.llm.toolcall_parse import parse_tool_calls


@dataclass
class CacheStats:
    """How the last call used the prompt cache."""

    prompt_tokens: int
    reused_tokens: int  # served from the cache
    prefilled_tokens: int  # computed for this call
    generated_tokens: int


# resolved model folder -> [model, tokenizer, users, lock]
_SHARED: dict[str, list[Any]] = {}
_SHARED_GUARD = threading.Lock()


def _shared_lock(path: Path) -> threading.Lock:
    key = str(path.resolve())
    with _SHARED_GUARD:
        entry = _SHARED.get(key)
        if entry is None:
            entry = _SHARED[key] = [None, None, 0, threading.Lock()]
        return entry[3]


def _acquire(path: Path, load: Any) -> tuple[Any, Any]:
    """The folder's model and tokenizer, loaded by the first caller only."""
    key = str(path.resolve())
    with _SHARED_GUARD:
        entry = _SHARED.setdefault(key, [None, None, 0, threading.Lock()])
        if entry[0] is None:
            entry[0], entry[1] = load(key)
        entry[2] += 1
        return entry[0], entry[1]


def _release(path: Path) -> None:
    key = str(path.resolve())
    with _SHARED_GUARD:
        entry = _SHARED.get(key)
        if entry is None:
            return
        entry[2] -= 1
        if entry[2] <= 0:
            entry[0] = entry[1] = None  # the lock stays: another model of the folder may hold it
            entry[2] = 0


def _require_mlx_lm() -> dict[str, Any]:
    """Import mlx-lm lazily: the extra is optional and heavy (transformers, mlx)."""
    try:
        import mlx.core as mx
        from mlx_lm import load, stream_generate
        from mlx_lm.models.cache import can_trim_prompt_cache, make_prompt_cache, trim_prompt_cache
        from mlx_lm.sample_utils import make_sampler
    except (ImportError, OSError) as exc:
        raise LLMDependencyError(
            f"the mlx backend needs the mlx extra, which is not installed ({one_line(str(exc), 120)})",
            hint="pip install 'memd-vault[mlx]'",
        ) from None
    return {
        "mx": mx,
        "load": load,
        "stream_generate": stream_generate,
        "make_prompt_cache": make_prompt_cache,
        "can_trim_prompt_cache": can_trim_prompt_cache,
        "trim_prompt_cache": trim_prompt_cache,
        "make_sampler": make_sampler,
    }


class MLXChatModel(ChatModel):
    backend = "mlx"

    def __init__(
        self,
        model_path: str | Path,
        *,
        enable_thinking: bool | None = None,
        chat_template_kwargs: dict[str, Any] | None = None,
        calllog: Any = None,
        load_now: bool = False,
    ):
        """`model_path` is a local mlx model folder (config.json, *.safetensors, tokenizer).

        `enable_thinking` is passed to the chat template (Qwen3 templates read it) when set.
        The model loads on first use unless `load_now`; mlx-lm is imported then, too.
        """
        path = Path(model_path).expanduser()
        super().__init__(model=path.name or str(path), calllog=calllog)
        self.model_path = path
        self.template_kwargs = dict(chat_template_kwargs or {})
        if enable_thinking is not None:
            self.template_kwargs["enable_thinking"] = enable_thinking
        self._lib: dict[str, Any] | None = None
        self._model: Any = None
        self._tokenizer: Any = None
        self._cache: list[Any] | None = None
        self._cache_tokens: list[int] = []
        self._lock = _shared_lock(path)
        self._holds = False  # this object counts as a user of the shared weights
        self.last_stats: CacheStats | None = None
        if load_now:
            self.load()

    def load(self) -> None:
        with self._lock:
            self._ensure_loaded()

    def close(self) -> None:
        with self._lock:
            self._model = self._tokenizer = self._cache = None
            self._cache_tokens = []
            if self._holds:
                self._holds = False
                _release(self.model_path)

    def reset_cache(self) -> None:
        with self._lock:
            self._cache = None
            self._cache_tokens = []

    def _ensure_loaded(self) -> None:
        if self._model is not None:
            return
        if not (self.model_path / "config.json").is_file():
            raise LLMModelLoadError(f"no mlx model at {self.model_path} (config.json not found)", hint="check mlx.model_path")
        lib = _require_mlx_lm()
        try:
            model, tokenizer = _acquire(self.model_path, lib["load"])
        except Exception as exc:  # mlx-lm raises ValueError/FileNotFoundError/KeyError for bad folders
            raise LLMModelLoadError(f"cannot load the mlx model at {self.model_path}: {one_line(str(exc), 200)}") from None
        if getattr(tokenizer, "chat_template", None) is None:
            _release(self.model_path)
            raise LLMModelLoadError(f"the model at {self.model_path} has no chat template; memd needs one that renders tools")
        self._lib, self._model, self._tokenizer = lib, model, tokenizer
        self._holds = True

    def _chat(self, request: ChatRequest) -> ChatResult:
        with self._lock:
            self._ensure_loaded()
            assert self._lib is not None
            prompt_text = self._render(request.messages, request.tools)
            if request.tools and not any(t["function"]["name"] in prompt_text for t in request.tools):
                # A template without tool support drops them silently; the model could then
                # never call one, and every turn would end as an invalid call.
                raise LLMModelLoadError(
                    f"the chat template of {self.model_path.name} does not render tools; use a model with tool calling"
                )
            prompt = list(self._tokenizer.encode(prompt_text, add_special_tokens=False))
            if not prompt:
                raise LLMModelLoadError("the chat template rendered an empty prompt")
            try:
                return self._generate(request, prompt, prompt_text)
            except BaseException:
                # The cache may hold part of a prefill: start clean next time.
                self._cache, self._cache_tokens = None, []
                raise

    def _render(self, messages: list[Message], tools: list[dict[str, Any]] | None) -> str:
        try:
            return self._tokenizer.apply_chat_template(
                [_for_template(m) for m in messages],
                tools=tools or None,
                add_generation_prompt=True,
                tokenize=False,
                **self.template_kwargs,
            )
        except Exception as exc:  # jinja2 errors from a template that cannot render these messages
            raise LLMModelLoadError(f"the chat template of {self.model_path.name} failed: {one_line(str(exc), 200)}") from None

    def _generate(self, request: ChatRequest, prompt: list[int], prompt_text: str) -> ChatResult:
        lib = self._lib
        assert lib is not None
        reused = self._reuse_prefix(prompt)
        suffix = prompt[reused:]
        sampler = lib["make_sampler"](temp=request.temperature, top_p=request.top_p or 0.0)
        pieces: list[str] = []
        generated: list[int] = []
        final: Any = None
        for response in lib["stream_generate"](
            self._model,
            self._tokenizer,
            lib["mx"].array(suffix),
            max_tokens=request.max_tokens,
            sampler=sampler,
            prompt_cache=self._cache,
        ):
            pieces.append(response.text)
            if response.finish_reason is None:
                generated.append(int(response.token))
            final = response
        # The closing response repeats the last token in older mlx-lm (0.26/0.27) and carries
        # a token not yielded before (the last one, or the EOS) in newer ones (0.32);
        # its generation_tokens tells which.
        if final is not None and final.generation_tokens > len(generated):
            generated.append(int(final.token))
        finish_reason = final.finish_reason if final is not None else None
        self._remember(prompt + generated)
        text = "".join(pieces)
        self.last_stats = CacheStats(len(prompt), reused, len(suffix), len(generated))

        # When the template opened <think> in the prompt, the reply starts mid-thought.
        reasoning, rest = split_thinking((THINK_OPEN + text) if prompt_opens_thinking(prompt_text) else text)
        outcome = parse_tool_calls(rest)
        return ChatResult(
            content=outcome.text,
            tool_calls=outcome.calls,
            reasoning=reasoning,
            finish_reason=finish_reason,
            usage=Usage(prompt_tokens=len(prompt), completion_tokens=len(generated), cached_tokens=reused),
            raw_response={
                "text": text,
                "prompt_tokens": len(prompt),
                "reused_tokens": reused,
                "prefilled_tokens": len(suffix),
                "generated_tokens": len(generated),
            },
            model=self.model,
            tool_call_problems=outcome.problems,
        )

    def _reuse_prefix(self, prompt: list[int]) -> int:
        """Trim the cache to its longest common prefix with `prompt`; return its length."""
        lib = self._lib
        assert lib is not None
        if self._cache is None:
            self._cache, self._cache_tokens = lib["make_prompt_cache"](self._model), []
            return 0
        common = _common_prefix(self._cache_tokens, prompt)
        # At least one prompt token must be fed: the next token's logits come from it.
        common = min(common, len(prompt) - 1)
        excess = len(self._cache_tokens) - common
        if excess > 0:
            trimmed = lib["trim_prompt_cache"](self._cache, excess) if lib["can_trim_prompt_cache"](self._cache) else 0
            if trimmed != excess:
                # Rotating or recurrent caches cannot rewind: start over.
                self._cache, self._cache_tokens = lib["make_prompt_cache"](self._model), []
                return 0
        self._cache_tokens = self._cache_tokens[:common]
        return common

    def _remember(self, fed: list[int]) -> None:
        # mlx-lm feeds every sampled token (the last one too) through the model, so the cache
        # should hold exactly prompt + generated; trust the cache's own offset when it differs.
        offset = _cache_offset(self._cache)
        if offset is None or offset > len(fed):
            self._cache, self._cache_tokens = None, []
        else:
            self._cache_tokens = fed[:offset]


def _for_template(message: Message) -> Message:
    """OpenAI-shaped message -> what HF chat templates expect (string content, dict arguments)."""
    out = dict(message)
    if out.get("content") is None:
        out["content"] = ""
    calls = out.get("tool_calls")
    if calls:
        converted = []
        for call in calls:
            call = dict(call)
            fn = dict(call.get("function") or {})
            if isinstance(fn.get("arguments"), str):
                try:
                    fn["arguments"] = json.loads(fn["arguments"])
                except ValueError:
                    pass  # leave the text: the template prints it as given
            call["function"] = fn
            converted.append(call)
        out["tool_calls"] = converted
    return out


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _cache_offset(cache: list[Any] | None) -> int | None:
    if not cache:
        return None
    offset = getattr(cache[0], "offset", None)
    return offset if isinstance(offset, int) else None
