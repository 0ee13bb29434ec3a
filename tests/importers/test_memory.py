"""A large ChatGPT export is parsed as a stream: peak memory stays far below the file size.

The parse runs in a fresh interpreter so its peak RSS (ru_maxrss) belongs to the parse
alone; the baseline is taken after imports.
Nothing here asserts a duration (speed is bench/'s job).
"""

import json
import os
import subprocess
import sys
import zipfile

import pytest

# Peak RSS, not tracemalloc: it also sees ijson's C buffers, and tracing would triple the run time.
PROBE = r"""
import json, resource, sys
from memd.importers import chatgpt
unit = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
convs = turns = 0
for conv in chatgpt.parse(sys.argv[1]):
    convs += 1
    turns += len(conv.turns)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
print(json.dumps({"convs": convs, "turns": turns, "base": base, "peak": peak}))
"""


def write_export(path, conversations, messages=50, random_text=False):
    """A flat conversations.json of `conversations` linear chats, written one at a time."""
    filler = ("lorem ipsum dolor sit amet " * 80)[:2000]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[")
        for c in range(conversations):
            mapping = {"root": {"id": "root", "message": None, "parent": None}}
            parent = "root"
            for i in range(messages):
                text = os.urandom(1000).hex() if random_text else filler
                mapping[f"m{i}"] = {"id": f"m{i}", "parent": parent, "message": {
                    "id": f"m{i}", "author": {"role": "user" if i % 2 == 0 else "assistant"},
                    "create_time": 1.7e9 + c * 100 + i, "weight": 1.0, "metadata": {}, "recipient": "all",
                    "content": {"content_type": "text", "parts": [f"{c}-{i} {text}"]}}}
                parent = f"m{i}"
            conv = {"id": f"conv-{c}", "title": f"Conversation {c}", "create_time": 1.7e9 + c * 100,
                    "mapping": mapping, "current_node": parent}
            fh.write((", " if c else "") + json.dumps(conv))
        fh.write("]")


def probe(path):
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_200mb_export_streams_in_bounded_memory(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    big = export / "conversations.json"
    write_export(big, 2000)
    size = big.stat().st_size
    assert size > 200 * 10**6
    result = probe(export)
    assert (result["convs"], result["turns"]) == (2000, 100_000)
    grown = result["peak"] - result["base"]
    # One conversation (~110 KB of JSON) is in memory at a time, not the 200 MB file.
    assert grown < 64 << 20, result
    big.unlink()


@pytest.mark.slow
def test_export_inside_a_zip_streams_too(tmp_path):
    raw = tmp_path / "conversations.json"
    write_export(raw, 300, random_text=True)  # ~60 MB that compresses like real text, not like a bomb
    zpath = tmp_path / "export.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.write(raw, "chatgpt-export/conversations.json")
    size = raw.stat().st_size
    raw.unlink()
    result = probe(zpath)
    assert (result["convs"], result["turns"]) == (300, 15_000)
    assert result["peak"] - result["base"] < min(64 << 20, size // 2), result
