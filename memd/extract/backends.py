"""Which backend decides: `extract.backend` in the config (rules, openai or mlx)."""

from __future__ import annotations

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
