"""Build a ChatModel from configuration.

Reads the `[llm]` and `[mlx]` sections of memd's config (memd.config dataclasses, or plain
mappings with the same keys, so scripts and tests need not build a full Config):

[llm]  base_url, model, api_key_env, timeout_s, max_retries, enable_thinking,
       and optionally tool_choice (default "required") and extra_body (a table merged into
       every request body)
[mlx]  model_path, and optionally chat_template_kwargs

temperature and max_tokens are per call, read by the extraction backend, not here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from memd.errors import ConfigError
from memd.llm.base import ChatModel
from memd.llm.calllog import CallLog

_MISSING = object()


def setting(section: Any, key: str, default: Any = _MISSING) -> Any:
    """A key from a config dataclass or a mapping; `default` when absent."""
    if isinstance(section, Mapping):
        value = section.get(key, _MISSING)
    else:
        value = getattr(section, key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise ConfigError(f"config: {key} is required")
        return default
    return value


def build_chat_model(
    backend: str,
    *,
    llm: Any = None,
    mlx: Any = None,
    calllog: CallLog | None = None,
    environ: Mapping[str, str] | None = None,
) -> ChatModel:
    """The ChatModel for `backend` ("openai" or "mlx"). ConfigError names the bad key."""
    if backend == "openai":
        return build_openai_model(llm if llm is not None else {}, calllog=calllog, environ=environ)
    if backend == "mlx":
        return build_mlx_model(mlx if mlx is not None else {}, llm=llm, calllog=calllog)
    raise ConfigError(f"config: unknown model backend {backend!r}; expected openai or mlx")


def build_openai_model(llm: Any, *, calllog: CallLog | None = None, environ: Mapping[str, str] | None = None) -> ChatModel:
    from memd.llm.openai_compat import OpenAICompatModel

    env = os.environ if environ is None else environ
    base_url = str(setting(llm, "base_url", "") or "")
    model = str(setting(llm, "model", "") or "")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"config: llm.base_url must be an http(s) URL, got {base_url!r}")
    if not model:
        raise ConfigError("config: llm.model is required for the openai backend (the name the server serves)")
    api_key = None
    key_env = str(setting(llm, "api_key_env", "") or "")
    if key_env:
        api_key = env.get(key_env)
        if not api_key:
            raise ConfigError(f"config: llm.api_key_env names {key_env}, which is not set in the environment")
    extra_body = setting(llm, "extra_body", None) or {}
    if not isinstance(extra_body, Mapping):
        raise ConfigError("config: llm.extra_body must be a table")
    extra_body = dict(extra_body)
    thinking = setting(llm, "enable_thinking", None)
    if thinking is not None:
        kwargs = dict(extra_body.get("chat_template_kwargs") or {})
        kwargs.setdefault("enable_thinking", bool(thinking))
        extra_body["chat_template_kwargs"] = kwargs
    timeout_s = _positive(setting(llm, "timeout_s", 120.0), "llm.timeout_s")
    max_retries = setting(llm, "max_retries", 2)
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ConfigError(f"config: llm.max_retries must be a whole number >= 0, got {max_retries!r}")
    return OpenAICompatModel(
        base_url,
        model,
        api_key=api_key,
        timeout_s=timeout_s,
        max_retries=max_retries,
        extra_body=extra_body,
        calllog=calllog,
    )


def build_mlx_model(mlx: Any, *, llm: Any = None, calllog: CallLog | None = None) -> ChatModel:
    from memd.llm.mlx_local import MLXChatModel

    model_path = str(setting(mlx, "model_path", "") or "")
    if not model_path:
        raise ConfigError("config: mlx.model_path is required for the mlx backend (a local mlx-lm model folder)")
    thinking = setting(llm, "enable_thinking", None) if llm is not None else None
    template_kwargs = setting(mlx, "chat_template_kwargs", None) or {}
    if not isinstance(template_kwargs, Mapping):
        raise ConfigError("config: mlx.chat_template_kwargs must be a table")
    return MLXChatModel(
        model_path,
        enable_thinking=None if thinking is None else bool(thinking),
        chat_template_kwargs=dict(template_kwargs),
        calllog=calllog,
    )


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"config: {name} must be a number > 0, got {value!r}")
    return float(value)
