"""File and folder names for Notion pages that every OS accepts.

Notion titles are free text: slashes, colons, emoji, 2,000 characters, `CON`, a trailing dot.
A name here is at most MAX_NAME_BYTES of UTF-8 (Obsidian Importer's limit, below every
filesystem's 255), cut at a word boundary where there is one, with the characters Windows
refuses replaced and the names it reserves avoided. Two pages whose names would be the same
file on a case-insensitive, normalising disk (macOS, Windows) are told apart by a short piece of
their id, so the choice does not depend on the order pages are read in.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

MAX_NAME_BYTES = 240
_ID_TAIL = re.compile(r"(?:^|[ _-])([0-9a-f]{32})$", re.I)
_DASHED = re.compile(r"([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})", re.I)
_BAD_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Obsidian cannot link to names with these ([[ ]] | # ^ break wikilinks); they are legal files.
_LINK_BREAKERS = re.compile(r"[\[\]|#^]")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                     *(f"lpt{i}" for i in range(1, 10))}


def normalise_id(raw: str) -> str | None:
    """32 lowercase hex digits from a Notion id in any spelling (dashed uuid or plain)."""
    text = raw.strip().lower().replace("-", "")
    return text if re.fullmatch(r"[0-9a-f]{32}", text) else None


def split_id(name: str) -> tuple[str, str | None]:
    """`Page title 0123…cdef` -> ("Page title", "0123…cdef"). Names decoded first (Notion
    percent-encodes in links, and NFD file names come out of macOS zips)."""
    name = unicodedata.normalize("NFC", unquote(name))
    m = _ID_TAIL.search(name)
    if not m:
        return name, None
    return name[: m.start()].rstrip(), m.group(1).lower()


def find_id(text: str) -> str | None:
    """The last Notion id in a link or path (`…/Page%20abc…123.html#…` or a notion.so URL)."""
    text = unquote(text).split("#", 1)[0].split("?", 1)[0]
    text = _DASHED.sub(lambda m: "".join(m.groups()), text)
    ids = re.findall(r"(?<![0-9a-f])([0-9a-f]{32})(?![0-9a-f])", text, re.I)
    return ids[-1].lower() if ids else None


def _truncate(text: str, max_bytes: int) -> str:
    """`text` cut to `max_bytes` of UTF-8, at the last space when one is in the last third."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    cut = data[:max_bytes].decode("utf-8", "ignore")
    # Never split a grapheme's combining marks from their letter.
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" .-_,;")


def safe_name(title: str, *, reserve: int = 0) -> str:
    """A file or folder name for `title`: at most MAX_NAME_BYTES - `reserve` bytes (room for an
    extension and a disambiguating suffix), never empty, never reserved."""
    text = unicodedata.normalize("NFC", title)
    text = _BAD_CHARS.sub(" ", text)
    text = _LINK_BREAKERS.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = text.strip(".").strip()  # a leading dot hides the file; a trailing one Windows drops
    text = _truncate(text, MAX_NAME_BYTES - reserve)
    if not text:
        text = "Untitled"
    if text.split(".", 1)[0].strip().lower() in _WINDOWS_RESERVED:
        text = f"{text}_"
    return text


def name_key(name: str) -> str:
    """Two names a case-insensitive, normalising disk would take for one."""
    return unicodedata.normalize("NFC", name).casefold()


def disambiguate(name: str, notion_id: str) -> str:
    """`name` with a short, stable piece of the page's id, for a sibling of the same name."""
    return f"{name} {notion_id[:6]}"


def split_ext(filename: str) -> tuple[str, str]:
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem or len(ext) > 10 or " " in ext:
        return filename, ""
    return stem, "." + ext


def safe_file_name(filename: str) -> str:
    """An attachment's name: the stem made safe, the extension (lowercase ascii) kept."""
    stem, ext = split_ext(unicodedata.normalize("NFC", unquote(filename)))
    ext = re.sub(r"[^0-9A-Za-z.]", "", ext)
    return safe_name(stem, reserve=len(ext.encode()) + 8) + ext
