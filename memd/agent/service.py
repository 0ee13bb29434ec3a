"""One ask agent per app, built from [ask] on first use (a model loads once), and the entry
point memd/api.py's `ask` method calls when [ask] backend is not `extractive`."""

from __future__ import annotations

import threading
from typing import Any

from memd.agent.loop import AgentSettings, AskAgent, build_ask_model
from memd.errors import ConfigError, ParamsError

_LOCK = threading.Lock()
BACKENDS = ("openai", "mlx")
CODE_MODES = ("interpret", "auto", "off")


def agent_for(app: Any) -> AskAgent:
    ask = app.config.ask
    if ask.backend not in BACKENDS:
        raise ConfigError(f"config: ask.backend must be extractive, openai or mlx, got {ask.backend!r}")
    if ask.code not in CODE_MODES:
        raise ConfigError(f"config: ask.code must be interpret, auto or off, got {ask.code!r}")
    with _LOCK:
        agent = app.__dict__.get("_ask_agent")
        if agent is None:
            agent = AskAgent(app, build_ask_model(app.config), AgentSettings.from_config(ask))
            app.__dict__["_ask_agent"] = agent
        return agent


def ask_with_model(app: Any, question: str, *, filter: str | None = None,
                   hide: list[str] | None = None) -> dict[str, Any]:
    if isinstance(hide, str):
        hide = [hide]  # one key given as a string (the socket's type check lets it through)
    if hide is not None and not all(isinstance(h, str) for h in hide):
        raise ParamsError("ask: hide must be a list of fact keys")
    if filter is not None and len(filter) > 2000:
        raise ParamsError("ask: filter is longer than 2000 characters")
    agent = agent_for(app)
    return agent.ask(question, filter=filter, hide=hide or [], standing_filter=app.config.ask.filter,
                     standing_hide=app.config.ask.hide_keys)
