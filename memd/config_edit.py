"""Change one key of the config file in place: `memd config set`.

The file is the user's: comments, blank lines, key order and every other line stay as they are.
Only the `key = value` line is replaced (its trailing comment kept), or added at the end of its
`[section]` (the section is added at the end of the file when missing). The new text must load
as a valid config before it replaces the old one, atomically (temp file, fsync, rename).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from memd.config import _SECTIONS, Config, _toml_value, config_from_dict, defaults_as_dict
from memd.errors import ConfigError
from memd.vault.atomic import HandSave, atomic_write

TOP_KEYS = ("vault", "state_dir")
_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\s*(#.*)?$")


def split_key(dotted: str) -> tuple[str | None, str]:
    """`extract.backend` -> ("extract", "backend"); `vault` -> (None, "vault"). Unknown: ConfigError."""
    defaults = defaults_as_dict()
    if dotted in TOP_KEYS:
        return None, dotted
    section, _, key = dotted.partition(".")
    if not key or section not in defaults:
        raise ConfigError(f"unknown config key {dotted!r}",
                          hint="keys look like extract.backend; `memd config get` lists them all")
    if key not in defaults[section]:
        raise ConfigError(f"unknown config key {dotted!r}",
                          hint=f"[{section}] has: {', '.join(defaults[section])}")
    return section, key


def parse_value(section: str | None, key: str, text: str) -> Any:
    """The command-line text as the key's type: true/false, numbers, lists (TOML `["a", "b"]` or
    `a,b`), strings as given."""
    default = "" if section is None else defaults_as_dict()[section][key]
    where = key if section is None else f"{section}.{key}"
    if isinstance(default, bool):
        if text.lower() in ("true", "yes", "on", "1"):
            return True
        if text.lower() in ("false", "no", "off", "0"):
            return False
        raise ConfigError(f"{where} must be true or false, got {text!r}")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{where} must be a whole number, got {text!r}") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{where} must be a number, got {text!r}") from None
    if isinstance(default, list):
        if text.strip().startswith("["):
            try:
                value = tomllib.loads(f"v = {text}")["v"]
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{where}: {text!r} is not a TOML list ({exc})") from None
            return value
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _section_of_lines(lines: list[str]) -> list[str | None]:
    """The section each line belongs to (None: before the first header)."""
    current: str | None = None
    out: list[str | None] = []
    for line in lines:
        m = _HEADER.match(line)
        if m and not line.lstrip().startswith("[["):
            current = m.group(1).strip().strip("\"'")
        out.append(current)
    return out


def _key_of(line: str) -> str | None:
    m = re.match(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]+\")\s*=", line)
    return m.group(1).strip('"') if m else None


def _trailing_comment(line: str) -> str:
    """The `# ...` comment after a value, found by letting TOML tell where the value ends."""
    key_part, _, rest = line.partition("=")
    for i in range(len(rest)):
        if rest[i] == "#":
            try:
                tomllib.loads(f"v = {rest[:i].strip()}")
            except tomllib.TOMLDecodeError:
                continue
            return "  " + rest[i:].rstrip("\n").strip()
    return ""


def set_in_text(text: str, section: str | None, key: str, value: Any) -> str:
    """`text` with section.key set to `value`, every other line untouched."""
    lines = text.splitlines()
    owners = _section_of_lines(lines)
    rendered = f"{key} = {_toml_value(value)}"
    for i, line in enumerate(lines):
        if owners[i] == section and _key_of(line) == key:
            indent = line[: len(line) - len(line.lstrip())]
            lines[i] = indent + rendered + _trailing_comment(line)
            return "\n".join(lines) + "\n"
    if section is None:
        # Before the first table header, after any leading comments and top-level keys.
        first_header = next((i for i, o in enumerate(owners) if o is not None), len(lines))
        insert_at = first_header
        while insert_at > 0 and not lines[insert_at - 1].strip():
            insert_at -= 1
        lines.insert(insert_at, rendered)
        return "\n".join(lines) + "\n"
    members = [i for i, o in enumerate(owners) if o == section]
    if members:
        insert_at = members[-1] + 1
        while insert_at - 1 > members[0] and not lines[insert_at - 1].strip():
            insert_at -= 1
        lines.insert(insert_at, rendered)
        return "\n".join(lines) + "\n"
    while lines and not lines[-1].strip():
        lines.pop()
    lines += ["", f"[{section}]", rendered]
    return "\n".join(lines) + "\n"


def set_key(path: Path, dotted: str, raw_value: str) -> tuple[Any, Config]:
    """Set `dotted` to `raw_value` in the config file at `path`; returns the value and the new
    config. Nothing is written unless the whole new file loads as a valid config."""
    section, key = split_key(dotted)
    value = parse_value(section, key, raw_value)
    try:
        old_bytes = path.read_bytes()
        old = old_bytes.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no config at {path}", hint="run `memd init PATH/TO/VAULT` first") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config {path} is not UTF-8 text") from None
    new = set_in_text(old, section, key, value)
    try:
        data = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML (fix it first): {exc}") from None
    config = config_from_dict(data, path.resolve())  # raises ConfigError naming the bad key
    try:
        # Only over the text the new one was made from: an edit saved meanwhile is never lost.
        atomic_write(path, new.encode("utf-8"), expected=old_bytes)
    except HandSave:
        raise ConfigError(f"config {path} changed while memd was writing it; nothing was written, run it again") from None
    return value, config


def get_key(config: Config, dotted: str) -> Any:
    section, key = split_key(dotted)
    if section is None:
        return str(getattr(config, key))
    return getattr(getattr(config, _SECTIONS[section]), key)


def all_keys(config: Config) -> dict[str, Any]:
    out: dict[str, Any] = {"vault": str(config.vault), "state_dir": str(config.state_dir)}
    for section, keys in defaults_as_dict().items():
        for key in keys:
            out[f"{section}.{key}"] = getattr(getattr(config, _SECTIONS[section]), key)
    return out
