"""Database-row properties from the API, as typed values for frontmatter.

text -> str, number -> int/float, checkbox -> bool, date -> ISO date or datetime string (a range
adds `<name> end`), select / status -> str, multi-select -> list of str, people -> names,
relations -> `[[notion:<id>|]]` placeholders the writer turns into quoted links, formulas and
rollups -> their value's type. Empty values are left out (an empty frontmatter key says nothing).
The title property is the page's title, not a property.
"""

from __future__ import annotations

from typing import Any

from .api_richtext import compact_id, placeholder, plain, render


def page_title(page: dict[str, Any]) -> str:
    """A page's or database's title as the user sees it."""
    if isinstance(page.get("title"), list):            # a database or data source
        return plain(page["title"]).strip()
    for prop in (page.get("properties") or {}).values():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return plain(prop.get("title")).strip()
    return ""


def _date(d: dict[str, Any] | None) -> tuple[str | None, str | None]:
    if not d:
        return None, None
    return d.get("start"), d.get("end")


def _user(u: dict[str, Any]) -> str | None:
    return u.get("name") or ((u.get("person") or {}).get("email")) or None


def value(prop: dict[str, Any]) -> Any:
    """One property's value; None when empty or of a kind with nothing to keep."""
    kind = prop.get("type")
    v = prop.get(kind) if kind else None
    if kind in ("rich_text", "title"):
        return render(v).strip() or None
    if kind == "number":
        return v
    if kind == "checkbox":
        return bool(v)
    if kind in ("select", "status"):
        return (v or {}).get("name") or None
    if kind == "multi_select":
        return [o["name"] for o in v or [] if o.get("name")] or None
    if kind == "date":
        return _date(v)[0]
    if kind in ("url", "email", "phone_number"):
        return v or None
    if kind in ("created_time", "last_edited_time"):
        return v or None
    if kind in ("created_by", "last_edited_by"):
        return _user(v or {})
    if kind == "people":
        return [n for n in (_user(u) for u in v or []) if n] or None
    if kind == "relation":
        ids = [compact_id(r.get("id")) for r in v or []]
        return [placeholder(i, "") for i in ids if i] or None
    if kind == "files":
        return [f.get("name") or (f.get(f.get("type") or "") or {}).get("url") for f in v or []] or None
    if kind == "unique_id":
        if not v or v.get("number") is None:
            return None
        return f"{v['prefix']}-{v['number']}" if v.get("prefix") else v["number"]
    if kind == "formula":
        f = v or {}
        ftype = f.get("type")
        if ftype == "date":
            return _date(f.get("date"))[0]
        result = f.get(ftype) if ftype else None
        return result if result not in ("", None) else None
    if kind == "rollup":
        r = v or {}
        rtype = r.get("type")
        if rtype == "array":
            items = [value(item) for item in r.get("array") or []]
            flat: list[Any] = []
            for item in items:
                flat.extend(item if isinstance(item, list) else [item] if item is not None else [])
            return flat or None
        if rtype == "date":
            return _date(r.get("date"))[0]
        return r.get(rtype) if rtype else None
    if kind == "verification":
        return (v or {}).get("state") or None
    return None   # button, unsupported kinds: nothing a note can hold


def properties(page: dict[str, Any]) -> dict[str, Any]:
    """A row's properties in the order Notion returned them, empty ones left out."""
    out: dict[str, Any] = {}
    for name, prop in (page.get("properties") or {}).items():
        if not isinstance(prop, dict) or prop.get("type") == "title":
            continue
        v = value(prop)
        if v is None or v == []:
            continue
        out[name] = v
        if prop.get("type") == "date" and _date(prop.get("date"))[1]:
            out[f"{name} end"] = _date(prop.get("date"))[1]
    return out


def columns(data_source: dict[str, Any]) -> list[str]:
    """A data source's property names but the title (the note's name shows that)."""
    props = data_source.get("properties") or {}
    return [n for n, p in props.items() if isinstance(p, dict) and p.get("type") != "title"]
