"""Opening exports: zip, folder and single file alike; hostile zips refused with one line."""

import io
import os
import stat
import struct
import zipfile

import pytest
from memd.importers.safezip import Limits, open_source

from memd.errors import InputFormatError


def test_zip_folder_and_file_offer_the_same_logical_paths(tmp_path, make_zip):
    members = {"export-2024/conversations.json": b"[]", "export-2024/sub/user.json": b"{}"}
    zpath = make_zip(tmp_path / "export.zip", members)
    folder = tmp_path / "unpacked" / "export-2024"
    (folder / "sub").mkdir(parents=True)
    (folder / "conversations.json").write_bytes(b"[]")
    (folder / "sub" / "user.json").write_bytes(b"{}")
    for path in (zpath, tmp_path / "unpacked"):
        with open_source(path) as src:
            assert [e.path for e in src.entries] == ["conversations.json", "sub/user.json"]
            with src.open(src.find("conversations.json")) as fh:
                assert fh.read() == b"[]"
    with open_source(folder / "conversations.json") as src:
        assert src.kind == "file" and [e.path for e in src.entries] == ["conversations.json"]


def test_macos_debris_is_invisible(tmp_path, make_zip):
    zpath = make_zip(tmp_path / "e.zip", {
        "chat/_chat.txt": "x", "__MACOSX/chat/._chat.txt": "junk", "chat/._photo.jpg": "junk", "chat/.DS_Store": "j",
    })
    with open_source(zpath) as src:
        assert [e.path for e in src.entries] == ["_chat.txt"]


def test_nested_zip_is_opened_one_level_deep(tmp_path, make_zip):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("conversations.json", "[1]")
        deeper = io.BytesIO()
        with zipfile.ZipFile(deeper, "w") as dz:
            dz.writestr("secret.json", "{}")
        zf.writestr("deeper.zip", deeper.getvalue())
    zpath = make_zip(tmp_path / "outer.zip", {"Export-123.zip": inner.getvalue(), "__MACOSX/._Export-123.zip": "x"})
    with open_source(zpath) as src:
        # The only top folder (the inner zip) is stripped; the second level stays a plain file.
        assert [e.path for e in src.entries] == ["conversations.json", "deeper.zip"]
        with src.open(src.find("conversations.json")) as fh:
            assert fh.read() == b"[1]"


def test_natural_order_and_glob(tmp_path):
    for n in (10, 2, 1):
        (tmp_path / f"conversations-{n}.json").write_text("[]")
    with open_source(tmp_path) as src:
        assert [e.path for e in src.glob("conversations-*.json")] == [
            "conversations-1.json", "conversations-2.json", "conversations-10.json"]
        assert src.find("CONVERSATIONS-2.JSON").path == "conversations-2.json"


def test_symlinks_in_a_folder_are_skipped_not_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    export = tmp_path / "export"
    export.mkdir()
    (export / "a.json").write_text("[]")
    os.symlink(outside, export / "link.json")
    with open_source(export) as src:
        assert [e.path for e in src.entries] == ["a.json"]
        assert src.skipped == ["link.json"]


def test_missing_path(tmp_path, one_line):
    with pytest.raises(InputFormatError) as err:
        open_source(tmp_path / "nope.zip")
    assert "no such file" in one_line(err.value)


# --- the malformed / hostile corpus -------------------------------------------------------


def _refused(path, one_line, **kw):
    with pytest.raises(InputFormatError) as err:
        with open_source(path, **kw) as src:
            for entry in src.entries:
                with src.open(entry) as fh:
                    while fh.read(1 << 16):
                        pass
    return one_line(err.value)


def test_not_a_zip(tmp_path, one_line):
    fake = tmp_path / "export.zip"
    fake.write_text("this is a text file, not a zip")
    assert "not a zip file" in _refused(fake, one_line)


def test_truncated_zip(tmp_path, make_zip, one_line):
    good = make_zip(tmp_path / "good.zip", {"conversations.json": "[" + "1," * 5000 + "1]"})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "truncated or corrupt" in _refused(cut, one_line)


def test_corrupt_member_data(tmp_path, make_zip, one_line):
    good = make_zip(tmp_path / "good.zip", {"a.json": os.urandom(4000).hex()})
    data = bytearray(good.read_bytes())
    start = data.find(b"a.json") + len(b"a.json") + 40  # inside the compressed bytes
    data[start:start + 30] = b"\x00" * 30
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    assert "corrupt" in _refused(bad, one_line) or "cannot be read" in _refused(bad, one_line)


@pytest.mark.parametrize("name", ["../evil.json", "a/../../evil.json", "/etc/passwd", "C:/Windows/x.json",
                                  "..\\..\\evil.json", "C:\\evil.json"])
def test_path_traversal_members(tmp_path, make_zip, one_line, name):
    zpath = make_zip(tmp_path / "evil.zip", {"ok.json": "[]", name: "x"})
    message = _refused(zpath, one_line)
    assert "refused" in message and "member" in message


def test_symlink_member(tmp_path, one_line):
    zpath = tmp_path / "link.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        info = zipfile.ZipInfo("conversations.json")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    assert "symbolic link" in _refused(zpath, one_line)


def test_zip_bomb_by_ratio(tmp_path, make_zip, one_line):
    zpath = make_zip(tmp_path / "bomb.zip", {"conversations.json": b"\0" * (40 << 20)})
    assert zpath.stat().st_size < 100_000  # a highly compressible member
    assert "zip bomb" in _refused(zpath, one_line)


def test_total_size_limit_is_counted_while_streaming(tmp_path, make_zip, one_line):
    # Incompressible members pass the ratio check; the running total still stops the read.
    zpath = make_zip(tmp_path / "big.zip", {f"part{i}.bin": os.urandom(300_000) for i in range(4)})
    assert "zip bomb" in _refused(zpath, one_line, limits=Limits(max_total=1_000_000))


def test_bomb_whose_headers_claim_a_tiny_size_is_refused(tmp_path, make_zip, one_line):
    zpath = make_zip(tmp_path / "liar.zip", {"a.json": b"\0" * (10 << 20)})
    data = bytearray(zpath.read_bytes())
    data[22:26] = struct.pack("<I", 1000)  # local header: uncompressed size
    cd = data.find(b"PK\x01\x02")
    data[cd + 24:cd + 28] = struct.pack("<I", 1000)  # central directory: uncompressed size
    liar = tmp_path / "liar2.zip"
    liar.write_bytes(bytes(data))
    message = _refused(liar, one_line)
    assert "corrupt" in message or "zip bomb" in message


def test_nested_zip_bomb_is_refused(tmp_path, make_zip, one_line):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", b"\0" * (40 << 20))
    zpath = make_zip(tmp_path / "outer.zip", {"inner.zip": inner.getvalue()}, zipfile.ZIP_STORED)
    assert "zip bomb" in _refused(zpath, one_line)


def test_encrypted_member(tmp_path, make_zip, one_line):
    zpath = make_zip(tmp_path / "enc.zip", {"a.json": "[]"})
    data = bytearray(zpath.read_bytes())
    # Set the "encrypted" flag bit in the central directory record.
    cd = data.find(b"PK\x01\x02")
    data[cd + 8] |= 0x1
    enc = tmp_path / "enc2.zip"
    enc.write_bytes(bytes(data))
    assert "encrypted" in _refused(enc, one_line)


def test_too_many_members(tmp_path, make_zip, one_line):
    zpath = make_zip(tmp_path / "many.zip", {f"f{i}.json": "[]" for i in range(30)})
    assert "more than 20 members" in _refused(zpath, one_line, limits=Limits(max_entries=20))


def test_skipped_links_are_reported_by_parsers(tmp_path):
    from memd.importers import chatgpt

    export = tmp_path / "export"
    export.mkdir()
    (export / "conversations.json").write_text('[{"id": "c", "mapping": {"r": {"message": null, "parent": null}}}]')
    os.symlink(tmp_path, export / "loop")
    (export / "secret.json").symlink_to(tmp_path / "elsewhere.json")
    run = chatgpt.parse(export)
    assert list(run) == []  # the only conversation has no messages
    assert [(w.where, w.message) for w in run.report.warnings] == [
        ("loop", "symbolic link or special file in the export folder; not followed"),
        ("secret.json", "symbolic link or special file in the export folder; not followed"),
        ("c", "no visible messages; skipped"),
    ]
