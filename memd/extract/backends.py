"""Which backend decides: `extract.backend` in the config (rules, openai or mlx)."""

from __future__ import annotations

from collections.abc import Callable

from memd.config import Config
from memd.errors import ConfigError
from memd.extract.tools import Backend

BACKENDS = ("rules", "openai", "mlx")


def build_backend(config: Config, name: str | None = None) -> Backend:
    name = name or config.extract.backend
    if name == "rules":
        from memd.extract.rules import RulesBackend

        return RulesBackend()
    if name in ("openai", "mlx"):
        from memd.extract.llm_backend import llm_backend_from_config
        from memd.llm.calllog import CallLog

        # Every model call is logged (prompt, reply, timing) beside the state database.
        calllog = CallLog(config.state_dir / "llm_calls.db")
        return llm_backend_from_config(name, llm=config.llm, mlx=config.mlx, calllog=calllog)
    raise ConfigError(f"config: extract.backend must be one of {', '.join(BACKENDS)}, got {name!r}")


def backend_probe(config: Config) -> Callable[[], str] | None:
    """For `memd doctor`: a function that contacts the configured backend and says what it found
    (or raises), or None when the backend needs nothing outside memd."""
    name = config.extract.backend
    if name == "rules":
        return None
    if name == "openai":

        def probe_openai() -> str:
            import os

            import httpx

            headers = {}
            if config.llm.api_key_env and os.environ.get(config.llm.api_key_env):
                headers["Authorization"] = f"Bearer {os.environ[config.llm.api_key_env]}"
            url = config.llm.base_url.rstrip("/") + "/models"
            try:
                reply = httpx.get(url, headers=headers, timeout=5.0)
            except httpx.HTTPError as exc:
                raise ConfigError(f"cannot reach {url}: {exc}", hint="start the model server or fix llm.base_url") from None
            if reply.status_code != 200:
                raise ConfigError(f"{url} answered HTTP {reply.status_code}", hint="check llm.base_url and the API key")
            try:
                served = [m.get("id") for m in reply.json().get("data", [])]
            except ValueError:
                raise ConfigError(f"{url} did not answer JSON; is it an OpenAI-compatible server?") from None
            if config.llm.model and served and config.llm.model not in served:
                raise ConfigError(f"the server does not serve {config.llm.model!r} (it serves {', '.join(served[:5])})",
                                  hint="fix llm.model")
            return f"{url} serves {', '.join(served[:3]) or 'models'}"

        return probe_openai

    def probe_mlx() -> str:
        from pathlib import Path

        path = Path(config.mlx.model_path).expanduser()
        if not config.mlx.model_path or not (path / "config.json").exists():
            raise ConfigError(f"mlx.model_path {str(path)!r} is not a model folder (no config.json)")
        try:
            import mlx_lm  # noqa: F401
        except ImportError:
            raise ConfigError("mlx-lm is not installed", hint="pip install 'memd-vault[mlx]'") from None
        return f"model at {path}"

    return probe_mlx
