"""A fact about "my sister" goes to the sister memory already knows.

The rules read "my sister's new job is at Globex" or "my brother moved to Lisbon" without a name,
as a prefixed key on the user (`sister_employer: Globex`), which is all they can do without
memory. Before writing, this step reads user.md (MemReader's search_memory): when it links
exactly one entity under that relation (`- sister: [[entities/anna.md]]`, `- **Sister**:
[[anna_schmidt.md]]`), the fact is Anna's — `employer: Globex` in her file, replacing what her
file holds as any update does. With no such line, or two sisters, the prefixed key stays on the
user, as before: memd does not guess which sister was meant.
"""

from __future__ import annotations

from memd.app import Memd
from memd.vault import memory_view as mv
from memd.vault.links import parse_links

# Relations a fact's key may start with ("sister_employer"), and the words user.md may use for them.
_RELATIONS = {"mother": ("mother", "mom", "mum"), "father": ("father", "dad"), "sister": ("sister",),
              "brother": ("brother",), "wife": ("wife", "spouse"), "husband": ("husband", "spouse"),
              "partner": ("partner", "spouse", "girlfriend", "boyfriend"), "son": ("son",), "daughter": ("daughter",),
              "friend": ("friend", "best_friend"), "boss": ("boss", "manager"), "cousin": ("cousin",),
              "spouse": ("spouse", "wife", "husband")}


def linked_relative(app: Memd, key: str) -> tuple[str, str] | None:
    """(the entity's name, the key on it) for a relative-prefixed key user.md resolves, else None."""
    rel, _, rest = key.partition("_")
    if not rest or rel not in _RELATIONS:
        return None
    doc = app.writer.document(app.user_path)
    if doc is None:
        return None
    words = _RELATIONS[rel]
    lines = [f for f in mv.current_facts(doc) if f.norm_key in words and mv.is_link_value(f.value)]
    targets = {l.target for f in lines for l in parse_links(f.value)}
    if len(targets) != 1:
        return None
    ref = app.find_entity(next(iter(targets)))
    if ref is None or ref.is_user:
        return None
    return ref.name, rest
