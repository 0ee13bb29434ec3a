"""`memd export canvas FILE.canvas`: the entity graph as a JSON Canvas 1.0 file
(jsoncanvas.org spec 1.0; Obsidian opens it natively).

  nodes   one `file` node per entity file (the user's and every file under entities/), pointing at
          the note, so Obsidian shows the note itself; the user's node at the origin, the centre
          of the drawing; around it one `group` per entity kind, its entities in a grid inside
  edges   one per relation (`- mother: [[entities/maria.md]]`), from the file that states it to
          the entity it names, labelled with the relation as written
  ids     derived from the vault path (nodes), the kind (groups) and the relation triple (edges),
          so exporting again after a change rewrites only what changed: a diff shows it
  layout  integers; groups placed on a ring around the user, each pushed outwards until it clears
          the user and every group placed before it, so no two rectangles overlap
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from memd.errors import MemdError
from memd.exporters.output import write_file
from memd.exporters.snapshot import is_entity_path, require_vault
from memd.query.graph import Entity, MemoryGraph

NODE_W, NODE_H = 320, 180  # an entity's note, readable at 100 %
USER_W, USER_H = 420, 260
GAP = 60  # between nodes in a group
PAD = 50  # inside a group, around its nodes (the label sits above the top edge)
MARGIN = 120  # between groups, and around the user
STEP = 20  # how far a group moves out each time it still overlaps

# Kinds, read from the entity's own `type`/`kind` line, else from how it is related.
KIND_KEYS = ("type", "kind", "entity_type", "category")
PERSON_RELATIONS = frozenset("""relationship mother father parent sister brother sibling son daughter child partner
spouse husband wife boyfriend girlfriend fiance fiancee friend best_friend colleague coworker boss manager cousin
aunt uncle grandmother grandfather grandparent niece nephew roommate neighbor neighbour mentor ceo founder lead
team_lead contact doctor teacher""".split())
ORG_RELATIONS = frozenset("""employer company works_at workplace organization organisation client clients customer
school university college team club bank insurer provider vendor major_clients""".split())
PLACE_RELATIONS = frozenset("""home hometown lives_in living_location location city country place venue birthplace
office""".split())
BACKLINK_KEYS = frozenset({"mentioned_by", "mentioned_in"})
KIND_ORDER = ("person", "organization", "place", "project", "pet", "other")
# JSON Canvas preset colours: 1 red, 2 orange, 3 yellow, 4 green, 5 cyan, 6 purple.
KIND_COLORS = {"person": "5", "organization": "4", "place": "3", "project": "2", "pet": "1"}
USER_COLOR = "6"


def _id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


TAG_KINDS = {"person": "person", "people": "person", "contact": "person", "organization": "organization",
             "organisation": "organization", "org": "organization", "company": "organization", "place": "place",
             "location": "place", "project": "project", "pet": "pet"}


def entity_kind(ent: Entity, tags: list[str] | tuple[str, ...] = ()) -> str:
    """The entity's own word for its kind (a `type:` line, a #person tag), else the kind its
    relations suggest (someone's mother is a person, someone's employer an organization)."""
    for f in ent.attributes:
        if f.norm_key in KIND_KEYS and f.value.strip():
            return f.value.strip().split()[0].lower().rstrip(".,;")
    for tag in tags:
        kind = TAG_KINDS.get(tag.lstrip("#").split("/")[-1].lower())
        if kind:
            return kind
    votes: dict[str, int] = {}
    for f, _other in ent.incoming:
        kind = ("person" if f.norm_key in PERSON_RELATIONS else "organization" if f.norm_key in ORG_RELATIONS
                else "place" if f.norm_key in PLACE_RELATIONS else None)
        if kind:
            votes[kind] = votes.get(kind, 0) + 1
    for f in ent.attributes:
        if f.norm_key == "relationship" and f.value.strip().lower().replace(" ", "_") in PERSON_RELATIONS:
            votes["person"] = votes.get("person", 0) + 2
    if not votes:
        return "other"
    return min(votes, key=lambda k: (-votes[k], KIND_ORDER.index(k)))


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int], margin: int = 0) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw + margin and bx < ax + aw + margin and ay < by + bh + margin and by < ay + ah + margin


def build(app: Any) -> dict[str, Any]:
    require_vault(app)
    graph = MemoryGraph.load(app)
    ents = {p: e for p, e in graph.entities.items() if is_entity_path(app, p)}
    user = ents.get(graph.user_path)
    kinds: dict[str, list[Entity]] = {}
    for path in sorted(ents):
        if path != graph.user_path:
            note = app.index.note(path) or {}
            kinds.setdefault(entity_kind(ents[path], note.get("tags") or []), []).append(ents[path])
    order = sorted(kinds, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER) - 1, k))

    groups: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    if user is not None:
        files.append({"id": _id(user.path), "type": "file", "file": user.path, "x": -USER_W // 2,
                      "y": -USER_H // 2, "width": USER_W, "height": USER_H, "color": USER_COLOR})
    placed = [(-USER_W // 2, -USER_H // 2, USER_W, USER_H)]
    for i, kind in enumerate(order):
        members = kinds[kind]
        cols = max(1, math.ceil(math.sqrt(len(members))))
        rows = math.ceil(len(members) / cols)
        w = 2 * PAD + cols * NODE_W + (cols - 1) * GAP
        h = 2 * PAD + rows * NODE_H + (rows - 1) * GAP
        angle = -math.pi / 2 + 2 * math.pi * i / len(order)  # the first kind above the user, then clockwise
        dx, dy = math.cos(angle), math.sin(angle)
        r = 0
        while True:
            gx, gy = round(dx * r - w / 2), round(dy * r - h / 2)
            if not any(_overlaps((gx, gy, w, h), p, MARGIN) for p in placed):
                break
            r += STEP
        placed.append((gx, gy, w, h))
        group = {"id": _id("group", kind), "type": "group", "label": kind.capitalize(), "x": gx, "y": gy,
                 "width": w, "height": h}
        if kind in KIND_COLORS:
            group["color"] = KIND_COLORS[kind]
        groups.append(group)
        for j, ent in enumerate(members):
            files.append({"id": _id(ent.path), "type": "file", "file": ent.path,
                          "x": gx + PAD + (j % cols) * (NODE_W + GAP), "y": gy + PAD + (j // cols) * (NODE_H + GAP),
                          "width": NODE_W, "height": NODE_H})
    rects = {n["file"]: n for n in files}
    edges: list[dict[str, Any]] = []
    keys: list[str] = []  # each edge's relation key
    seen: set[str] = set()
    for path in sorted(ents):
        for f in ents[path].relations:
            for target in f.targets:
                if target not in rects or target == path:
                    continue
                eid = _id("edge", path, f.norm_key, target)
                if eid in seen:
                    continue
                seen.add(eid)
                from_side, to_side = _sides(rects[path], rects[target])
                edges.append({"id": eid, "fromNode": rects[path]["id"], "fromSide": from_side,
                              "toNode": rects[target]["id"], "toSide": to_side, "toEnd": "arrow",
                              "label": f.key.replace("_", " ")})
                keys.append(f.norm_key)
    # A back-link line (`- mentioned_by: [[user.md]]`, written so no entity is an orphan) says
    # again what a relation the other way already says: drawn only when nothing else joins them.
    pairs = {(e["fromNode"], e["toNode"]) for e, key in zip(edges, keys) if key not in BACKLINK_KEYS}
    edges = [e for e, key in zip(edges, keys) if key not in BACKLINK_KEYS or (e["toNode"], e["fromNode"]) not in pairs]
    # Groups first: array order is z-order, and a group must lie behind its nodes.
    return {"nodes": groups + files, "edges": edges}


def _sides(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, str]:
    """Connect the facing sides of two nodes, so an edge does not cross its own node."""
    ax, ay = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2
    bx, by = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    if abs(bx - ax) >= abs(by - ay):
        return ("right", "left") if bx >= ax else ("left", "right")
    return ("bottom", "top") if by >= ay else ("top", "bottom")


def export_canvas(app: Any, out: Path, *, force: bool = False) -> dict[str, Any]:
    if out.suffix != ".canvas":
        raise MemdError(f"{out.name}: a canvas file's name ends in .canvas (Obsidian opens only those)")
    doc = build(app)
    data = (json.dumps(doc, ensure_ascii=False, indent="\t") + "\n").encode()
    written = write_file(app, out, data, kind="canvas", force=force)
    groups = [n for n in doc["nodes"] if n["type"] == "group"]
    return {**written, "entities": len(doc["nodes"]) - len(groups), "edges": len(doc["edges"]),
            "groups": len(groups), "kinds": [g["label"] for g in groups]}
