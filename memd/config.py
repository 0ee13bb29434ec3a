"""Configuration: one TOML file, typed sections, defaults for every key.

Where the file lives: `--config PATH` beats `MEMD_CONFIG`, which beats the platform's config
dir (platformdirs). Every key and its default is documented in config.example.toml; the
dataclasses below are the single source of those defaults (tests check the two agree).
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

import platformdirs

from memd.errors import ConfigError

APP_NAME = "memd"
# Installed beside this module (package data), so the path memd writes into a config exists.
EXAMPLE_CONFIG = Path(__file__).resolve().parent / "config.example.toml"
CONFIG_ENV = "MEMD_CONFIG"


@dataclass
class MemorySection:
    dir: str = "memory"  # the mem-agent memory folder, relative to the vault
    sources_dir: str = "memory-sources"  # one note per imported conversation or page
    user_file: str = "user.md"
    entities_dir: str = "entities"
    review_file: str = "Review.md"  # the review queue as tasks, inside `dir`; "" = no review note
    provenance_links: bool = True  # end each fact line memd writes with a ↗ link to its source turn


@dataclass
class IndexSection:
    exclude: list[str] = field(default_factory=list)  # extra glob patterns (vault-relative) never indexed
    max_note_mb: float = 16.0  # larger notes are indexed by name only, with a warning
    chunk_chars: int = 6000  # sections longer than this are split at paragraph breaks


@dataclass
class WriterSection:
    settle_seconds: float = 3.0  # a file modified this recently is being typed in: wait
    fsync: bool = True  # fsync file and folder on every write (durability over power loss)


@dataclass
class ExtractSection:
    backend: str = "rules"  # rules | openai | mlx
    window_turns: int = 6  # recent turns given as context
    max_searches: int = 3  # search_memory calls allowed per turn
    buffer_max_turns: int = 8  # re-evaluate the buffer past this many turns
    idle_flush_minutes: float = 30.0  # re-evaluate a stream's buffer after this much silence


@dataclass
class LLMSection:
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = ""
    api_key_env: str = ""  # name of the environment variable holding the API key, if any
    timeout_s: float = 120.0
    max_retries: int = 2
    temperature: float = 0.2
    max_tokens: int = 2048
    enable_thinking: bool = True
    concurrency: int = 0  # requests in flight during an import; 0 = by server kind (memd/llm/server_kind.py)
    server_kind: str = ""  # vllm | sglang | llama.cpp | ollama | lmstudio; "" = ask the server


@dataclass
class MLXSection:
    model_path: str = ""  # a local mlx-lm model folder


@dataclass
class PrivacySection:
    redact_secrets: bool = True  # API keys, passwords, card and account numbers
    redact_transcripts: bool = True  # also in transcript notes (false: imports keep them verbatim)
    never_store_categories: list[str] = field(default_factory=list)  # e.g. ["health", "religion"]
    never_store_patterns: list[str] = field(default_factory=list)  # regular expressions


@dataclass
class ImportSection:
    me: list[str] = field(default_factory=list)  # your names in chat logs (WhatsApp, Telegram...)
    tz: str = ""  # time zone for dates in transcript notes and clock times in chat logs; "" = UTC
    date_order: str = ""  # WhatsApp dates like 03/04/24: "dmy" or "mdy"; "" = guess from the log


@dataclass
class DaemonSection:
    socket_path: str = ""  # empty: under $XDG_RUNTIME_DIR (Linux) or the app-support dir (macOS)
    reconcile_minutes: float = 10.0
    debounce_ms: int = 200
    log_level: str = "info"


@dataclass
class LimitsSection:
    """Bounds on hostile input (exports, socket requests); no real export comes near them."""

    max_json_depth: int = 256  # nesting of arrays and objects (exports reach about 20)
    max_string_mb: float = 16.0  # one JSON string, one chat-log line
    max_number_digits: int = 1000  # one JSON number
    max_record_mb: float = 64.0  # one conversation, one JSONL line, one JSON file read whole
    max_expand_gb: float = 16.0  # bytes read out of one export, all files together
    max_zip_ratio: float = 200.0  # uncompressed / compressed size of one zip member
    max_entries: int = 500000  # files in one export (zip members, folder files)
    max_request_kb: int = 1024  # one JSON-RPC request on the socket
    max_query_chars: int = 4000  # a search / ask / context query


@dataclass
class AskSection:
    """`memd ask` with a model: the mem-agent loop (memd.agent). `extractive` needs no model."""

    backend: str = "extractive"  # extractive | openai | mlx
    model: str = ""  # the served model name for ask, e.g. "driaforall/mem-agent"; "" = [llm].model
    base_url: str = ""  # "" = [llm].base_url
    model_path: str = ""  # mlx: a local mlx-lm folder, e.g. mem-agent-mlx-4bit; "" = [mlx].model_path
    max_turns: int = 8  # model replies per question; past this the ask fails with a clear error
    max_tokens: int = 2048  # per model reply
    temperature: float = 0.2
    filter: str = ""  # a standing <filter> added to every question, e.g. "never reveal addresses"
    hide_keys: list[str] = field(default_factory=list)  # fact keys never revealed (enforced in code)
    code: str = "auto"  # interpret (tool calls only) | auto (else a confined child process) | off
    code_timeout_s: float = 5.0  # wall clock for one <python> block run in a child
    code_memory_mb: int = 256  # address space of that child


@dataclass
class NotionSection:
    """Pages the daemon keeps in sync through the Notion API (`memd import notion --token-env`)."""

    token_env: str = ""  # name of the environment variable holding the integration token; "" = no sync
    pages: list[str] = field(default_factory=list)  # page / database ids or URLs; [] = all shared with it
    interval_minutes: float = 60.0  # how often the daemon syncs; 0 = only by hand
    api_url: str = "https://api.notion.com"


@dataclass
class Config:
    vault: Path
    state_dir: Path
    path: Path | None = None  # the file this was read from
    memory: MemorySection = field(default_factory=MemorySection)
    index: IndexSection = field(default_factory=IndexSection)
    writer: WriterSection = field(default_factory=WriterSection)
    extract: ExtractSection = field(default_factory=ExtractSection)
    llm: LLMSection = field(default_factory=LLMSection)
    mlx: MLXSection = field(default_factory=MLXSection)
    privacy: PrivacySection = field(default_factory=PrivacySection)
    import_: ImportSection = field(default_factory=ImportSection)
    daemon: DaemonSection = field(default_factory=DaemonSection)
    limits: LimitsSection = field(default_factory=LimitsSection)
    ask: AskSection = field(default_factory=AskSection)
    notion: NotionSection = field(default_factory=NotionSection)

    @property
    def memory_root(self) -> Path:
        return self.vault / self.memory.dir

    @property
    def user_file(self) -> Path:
        return self.memory_root / self.memory.user_file

    @property
    def entities_root(self) -> Path:
        return self.memory_root / self.memory.entities_dir

    @property
    def index_db(self) -> Path:
        return self.state_dir / "index.db"

    @property
    def state_db(self) -> Path:
        return self.state_dir / "state.db"


# TOML table name -> Config attribute (`import` is a Python keyword).
_SECTIONS = {
    "memory": "memory",
    "index": "index",
    "writer": "writer",
    "extract": "extract",
    "llm": "llm",
    "mlx": "mlx",
    "privacy": "privacy",
    "import": "import_",
    "daemon": "daemon",
    "limits": "limits",
    "ask": "ask",
    "notion": "notion",
}


def default_config_path() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_state_dir(vault: Path) -> Path:
    """A state folder per vault, so two vaults never share a journal or an index."""
    vault = vault.resolve()
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", vault.name).strip("-") or "vault"
    digest = hashlib.sha256(str(vault).encode()).hexdigest()[:8]
    return Path(platformdirs.user_state_dir(APP_NAME)) / "vaults" / f"{name}-{digest}"


# Keys with a fixed set of values: a typo here must fail when the config is read, by every
# command, not later as an unrelated-looking error (an unknown backend used to surface as a
# missing mlx model folder).
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("extract", "backend"): ("rules", "openai", "mlx"),
    ("ask", "backend"): ("extractive", "openai", "mlx"),
    ("ask", "code"): ("interpret", "auto", "off"),
    ("daemon", "log_level"): ("debug", "info", "warning", "error"),
    ("import", "date_order"): ("", "dmy", "mdy"),
}
# String keys that hold a file or folder path, so a wrong type is described as such.
PATH_KEYS = {("memory", "dir"), ("memory", "sources_dir"), ("memory", "user_file"), ("memory", "entities_dir"),
             ("mlx", "model_path"), ("ask", "model_path"), ("daemon", "socket_path")}


def _type_words(section_name: str, key: str, default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, list):
        return "a list of strings"
    return "a path (a quoted string)" if (section_name, key) in PATH_KEYS else "a quoted string"


def _check_value(section_name: str, key: str, value: Any) -> None:
    choices = CHOICES.get((section_name, key))
    if choices is not None and value not in choices:
        shown = ", ".join(repr(c) if not c else c for c in choices)
        raise ConfigError(f"config: {section_name}.{key} must be one of {shown}, got {value!r}")
    if (section_name, key) == ("import", "tz") and value:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"config: import.tz {value!r} is not a time zone (e.g. Europe/Lisbon)") from None


def _coerce(section_name: str, cls: type, raw: dict[str, Any]) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"config: [{section_name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"config: unknown key {section_name}.{key}")
        default = getattr(cls(), key)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif isinstance(default, list):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise ConfigError(
                f"config: {section_name}.{key} must be {_type_words(section_name, key, default)}, got {value!r}"
            )
        _check_value(section_name, key, value)
        values[key] = value
    return cls(**values)


def config_from_dict(data: dict[str, Any], path: Path | None = None) -> Config:
    if "vault" not in data or data["vault"] == "":
        raise ConfigError("config: `vault` (the path of your Obsidian vault) is required")
    if not isinstance(data["vault"], str):
        raise ConfigError(f"config: vault must be a path (a quoted string), got {data['vault']!r}")
    base = path.parent if path else Path.cwd()
    vault = (base / Path(data["vault"]).expanduser()).resolve()
    state_raw = data.get("state_dir") or ""
    if not isinstance(state_raw, str):
        raise ConfigError(f"config: state_dir must be a path (a quoted string), got {state_raw!r}")
    state_dir = (base / Path(state_raw).expanduser()).resolve() if state_raw else default_state_dir(vault)
    unknown = set(data) - {"vault", "state_dir"} - set(_SECTIONS)
    if unknown:
        raise ConfigError(f"config: unknown key {sorted(unknown)[0]}")
    kwargs: dict[str, Any] = {}
    for toml_name, attr in _SECTIONS.items():
        cls = type(getattr(Config(vault=vault, state_dir=state_dir), attr))
        kwargs[attr] = _coerce(toml_name, cls, data.get(toml_name, {}))
    return Config(vault=vault, state_dir=state_dir, path=path, **kwargs)


def load_config(path: Path | str | None = None) -> Config:
    """Read the config file; a missing or invalid file is a ConfigError with the fix in it."""
    cfg_path = Path(path).expanduser() if path else default_config_path()
    try:
        raw = cfg_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"no config at {cfg_path}", hint="run `memd init PATH/TO/VAULT` first"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {cfg_path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config {cfg_path} is not valid TOML: {exc}") from None
    return config_from_dict(data, cfg_path.resolve())


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    s = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def render_config(config: Config, *, only_changed: bool = True) -> str:
    """TOML text for `config`: the required keys, plus every key that differs from its default."""
    lines = [f"# memd configuration. Every key and its default: {EXAMPLE_CONFIG}", ""]
    lines.append(f"vault = {_toml_value(str(config.vault))}")
    if config.state_dir != default_state_dir(config.vault):
        lines.append(f"state_dir = {_toml_value(str(config.state_dir))}")
    for toml_name, attr in _SECTIONS.items():
        section = getattr(config, attr)
        default = type(section)()
        changed = [
            (f.name, getattr(section, f.name))
            for f in fields(section)
            if not only_changed or getattr(section, f.name) != getattr(default, f.name)
        ]
        if changed:
            lines += ["", f"[{toml_name}]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in changed]
    return "\n".join(lines) + "\n"


def defaults_as_dict() -> dict[str, dict[str, Any]]:
    """Every section's defaults, for checking config.example.toml and for `memd status`."""
    probe = Config(vault=Path("/"), state_dir=Path("/"))
    out: dict[str, dict[str, Any]] = {}
    for toml_name, attr in _SECTIONS.items():
        section = getattr(probe, attr)
        assert is_dataclass(section)
        out[toml_name] = {f.name: getattr(section, f.name) for f in fields(section)}
    return out
