"""Hostile Notion exports: each refused with one error line, before anything reaches the vault."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from memd.errors import InputFormatError
from memd.importers.notion.run import import_export
from memd.importers.safezip import Limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_inputs import Member, write_zip  # noqa: E402

PAGE = b'<html><body><article><header><h1 class="page-title">P</h1></header><div class="page-body"><p>x</p></div></article></body></html>'
GOOD = {f"Export-1/Page {'a' * 32}.html": PAGE}


def refused(app, vault, path, match: str, one_line, limits: Limits | None = None) -> None:
    if limits is not None:
        app.config.limits.max_expand_gb = limits.max_total / (1 << 30)
    with pytest.raises(InputFormatError) as exc:
        import_export(app, str(path), extract=False)
    text = one_line(exc.value)
    assert match in text, text
    assert not any(vault.rglob("*.md")) and not (vault / "memory-sources").exists()


def test_traversal(app, vault, tmp_path, make_zip, one_line):
    path = make_zip(tmp_path / "t.zip", {**GOOD, "../../evil.html": PAGE})
    refused(app, vault, path, "points outside the archive", one_line)
    path = make_zip(tmp_path / "a.zip", {**GOOD, "/etc/evil.md": "x"})
    refused(app, vault, path, "absolute path", one_line)


def test_bomb(app, vault, tmp_path, one_line):
    path = write_zip(tmp_path / "bomb.zip", [Member(f"Export/Page {'b' * 32}.html", PAGE, b"\0" * (1 << 20), 300)])
    refused(app, vault, path, "zip bomb", one_line)


def test_truncated(app, vault, tmp_path, make_zip, one_line):
    good = make_zip(tmp_path / "g.zip", {**GOOD, f"Export-1/Other {'c' * 32}.html": PAGE * 50})
    data = good.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    refused(app, vault, cut, "truncated or corrupt", one_line)


def test_corrupt_member_found_before_writing(app, vault, tmp_path, make_zip, one_line):
    good = make_zip(tmp_path / "g.zip", {f"Export-1/Page {'a' * 32}.html": PAGE * 40,
                                         f"Export-1/Later {'d' * 32}.html": PAGE * 40})
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0xFF  # the second member's compressed bytes
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    refused(app, vault, bad, "", one_line)


def test_nested_fifty_deep(app, vault, tmp_path, one_line):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr(f"Page {'a' * 32}.html", PAGE)
    blob = inner.getvalue()
    for n in range(50):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(f"Export-Part-{n}.zip", blob)
        blob = buf.getvalue()
    path = tmp_path / "deep.zip"
    path.write_bytes(blob)
    refused(app, vault, path, "nested more than", one_line)


def test_not_an_export(app, vault, tmp_path, make_zip, one_line):
    refused(app, vault, make_zip(tmp_path / "x.zip", {"readme.txt": "hello"}), "not a Notion export", one_line)
    (tmp_path / "plain.txt").write_text("hi")
    refused(app, vault, tmp_path / "plain.txt", "not a Notion export", one_line)
    refused(app, vault, tmp_path / "missing.zip", "no such file", one_line)
