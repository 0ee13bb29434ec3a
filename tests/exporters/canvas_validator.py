"""A JSON Canvas 1.0 validator (jsoncanvas.org, spec/1.0.md), strict where the spec is, plus
the two rules memd's export promises on top of it: nodes do not overlap, and a node touching a
group lies wholly inside it.

`errors(doc)` returns every problem found, as readable strings; an empty list means valid.
"""

from __future__ import annotations

import re
from typing import Any

NODE_TYPES = {"text", "file", "link", "group"}
SIDES = {"top", "right", "bottom", "left"}
ENDS = {"none", "arrow"}
BACKGROUND_STYLES = {"cover", "ratio", "repeat"}
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_NODE_FIELDS = {"id", "type", "x", "y", "width", "height", "color"}
_TYPE_FIELDS = {"text": {"text"}, "file": {"file", "subpath"}, "link": {"url"},
                "group": {"label", "background", "backgroundStyle"}}
_EDGE_FIELDS = {"id", "fromNode", "fromSide", "fromEnd", "toNode", "toSide", "toEnd", "color", "label"}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _color(where: str, v: Any, out: list[str]) -> None:
    if not isinstance(v, str) or not (v in {"1", "2", "3", "4", "5", "6"} or _HEX.match(v)):
        out.append(f"{where}: color {v!r} is neither a preset '1'-'6' nor a hex colour")


def _rect(n: dict[str, Any]) -> tuple[int, int, int, int]:
    return n["x"], n["y"], n["width"], n["height"]


def _intersects(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _inside(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return b[0] <= a[0] and b[1] <= a[1] and a[0] + a[2] <= b[0] + b[2] and a[1] + a[3] <= b[1] + b[3]


def errors(doc: Any) -> list[str]:
    out: list[str] = []
    if not isinstance(doc, dict):
        return ["top level: not a JSON object"]
    for key in doc:
        if key not in ("nodes", "edges"):
            out.append(f"top level: unknown field {key!r}")
    nodes = doc.get("nodes", [])
    edges = doc.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        return out + ["top level: nodes and edges must be arrays"]
    ids: set[str] = set()
    good: list[dict[str, Any]] = []
    for i, n in enumerate(nodes):
        where = f"nodes[{i}]"
        if not isinstance(n, dict):
            out.append(f"{where}: not an object")
            continue
        nid = n.get("id")
        if not isinstance(nid, str) or not nid:
            out.append(f"{where}: id missing or not a non-empty string")
        elif nid in ids:
            out.append(f"{where}: duplicate id {nid!r}")
        else:
            ids.add(nid)
        kind = n.get("type")
        if kind not in NODE_TYPES:
            out.append(f"{where}: type {kind!r} is not one of {sorted(NODE_TYPES)}")
            continue
        ok = True
        for f in ("x", "y", "width", "height"):
            if not _is_int(n.get(f)):
                out.append(f"{where}: {f} missing or not an integer")
                ok = False
        if ok and (n["width"] <= 0 or n["height"] <= 0):
            out.append(f"{where}: width and height must be positive")
            ok = False
        for f in n:
            if f not in _NODE_FIELDS | _TYPE_FIELDS[kind]:
                out.append(f"{where}: field {f!r} does not belong to a {kind} node")
        if "color" in n:
            _color(where, n["color"], out)
        if kind == "text" and not isinstance(n.get("text"), str):
            out.append(f"{where}: a text node needs text (a string)")
        if kind == "file":
            if not isinstance(n.get("file"), str) or not n.get("file"):
                out.append(f"{where}: a file node needs file (a path)")
            if "subpath" in n and not (isinstance(n["subpath"], str) and n["subpath"].startswith("#")):
                out.append(f"{where}: subpath must start with '#'")
        if kind == "link" and not isinstance(n.get("url"), str):
            out.append(f"{where}: a link node needs url (a string)")
        if kind == "group":
            if "label" in n and not isinstance(n["label"], str):
                out.append(f"{where}: label must be a string")
            if "background" in n and not isinstance(n["background"], str):
                out.append(f"{where}: background must be a path")
            if "backgroundStyle" in n and n["backgroundStyle"] not in BACKGROUND_STYLES:
                out.append(f"{where}: backgroundStyle {n['backgroundStyle']!r} is not one of {sorted(BACKGROUND_STYLES)}")
        if ok:
            good.append(n)
    for i, e in enumerate(edges):
        where = f"edges[{i}]"
        if not isinstance(e, dict):
            out.append(f"{where}: not an object")
            continue
        eid = e.get("id")
        if not isinstance(eid, str) or not eid:
            out.append(f"{where}: id missing or not a non-empty string")
        elif eid in ids:
            out.append(f"{where}: duplicate id {eid!r}")
        else:
            ids.add(eid)
        for f in e:
            if f not in _EDGE_FIELDS:
                out.append(f"{where}: unknown field {f!r}")
        node_ids = {n.get("id") for n in nodes if isinstance(n, dict)}
        for end in ("fromNode", "toNode"):
            if e.get(end) not in node_ids:
                out.append(f"{where}: {end} {e.get(end)!r} is not a node id")
        for f in ("fromSide", "toSide"):
            if f in e and e[f] not in SIDES:
                out.append(f"{where}: {f} {e[f]!r} is not one of {sorted(SIDES)}")
        for f in ("fromEnd", "toEnd"):
            if f in e and e[f] not in ENDS:
                out.append(f"{where}: {f} {e[f]!r} is not one of {sorted(ENDS)}")
        if "label" in e and not isinstance(e["label"], str):
            out.append(f"{where}: label must be a string")
        if "color" in e:
            _color(where, e["color"], out)
    # Layout: leaf nodes never overlap; a group and anything else are apart or one holds the other.
    for i, a in enumerate(good):
        for b in good[i + 1:]:
            ra, rb = _rect(a), _rect(b)
            if not _intersects(ra, rb):
                continue
            if a["type"] != "group" and b["type"] != "group":
                out.append(f"nodes {a.get('id')!r} and {b.get('id')!r} overlap")
            elif not (_inside(ra, rb) and b["type"] == "group") and not (_inside(rb, ra) and a["type"] == "group"):
                out.append(f"nodes {a.get('id')!r} and {b.get('id')!r} overlap without one holding the other")
            elif b["type"] == "group" and a["type"] != "group":
                # Array order is z-order: a group listed after a node inside it is drawn over it.
                out.append(f"group {b.get('id')!r} comes after node {a.get('id')!r} it holds (drawn over it)")
    return out
