"""`memd export context FILE`: the budgeted profile (memd.query.context) as markdown to paste into
a system prompt or ChatGPT's custom instructions ("What would you like ChatGPT to know about you?").

The pack is the one `memd context` builds, within the same word budget; what changes is the form.
The vault links after each item are dropped: a system prompt cannot follow `[[memory/user]]`, and
they would cost characters in a field that holds 1,500 of them. Items stay as the pack words
them (`living_location: Lisbon, Portugal`), so the word budget holds exactly as `memd context` counts it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from memd.exporters.output import write_file
from memd.exporters.snapshot import require_vault
from memd.query.context import build as build_pack

CHATGPT_FIELD_CHARS = 1500  # the custom-instructions field; reported, not enforced (a system prompt has room)
TITLES = {"profile": "Profile", "facts": "Relevant memory", "evidence": "From past conversations"}


def render(pack: dict[str, Any], *, today: str | None = None) -> str:
    out = [f"# About the user (from their memd memory, {today or date.today().isoformat()})", ""]
    for part in ("profile", "facts", "evidence"):
        items = pack.get(part) or []
        if not items:
            continue
        out += [f"## {TITLES[part]}", ""]
        out += [f"- {i['text']}" for i in items]
        out.append("")
    if len(out) == 2:
        out += ["(memory holds nothing about the user yet)", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def export_context(app: Any, out: Path, *, budget: int = 350, query: str | None = None,
                   force: bool = False) -> dict[str, Any]:
    from memd.errors import ParamsError

    if not 1 <= budget <= 20_000:
        raise ParamsError(f"context: budget must be between 1 and 20000 words, got {budget}")
    require_vault(app)
    pack = build_pack(app, query, budget=budget)
    text = render(pack)
    written = write_file(app, out, text.encode("utf-8"), kind="context", force=force)
    return {**written, "words": pack["words"], "budget": budget, "chars": len(text),
            "items": sum(len(pack[p]) for p in ("profile", "facts", "evidence")),
            "fits_chatgpt_custom_instructions": len(text) <= CHATGPT_FIELD_CHARS}
