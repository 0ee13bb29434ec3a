"""Every `memd export` on bad input: one error line, a non-zero exit, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_missing_vault_and_bad_paths(tmp_path, vault):
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "c.toml"))

    def run(*a):
        return subprocess.run([sys.executable, "-m", "memd", *a], env=env, capture_output=True, text=True, timeout=120)
    assert run("init", str(vault)).returncode == 0
    assert run("fact", "set", "user", "city", "Oslo").returncode == 0
    moved = tmp_path / "moved"
    vault.rename(moved)  # an unmounted drive, a moved vault
    out = tmp_path / "out"
    out.mkdir()
    for args in (["mem-agent", str(out / "ma")], ["canvas", str(out / "g.canvas")], ["context", str(out / "c.md")],
                 ["base"], ["json", str(out / "m.json")], ["json"]):
        r = run("export", *args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and "vault not found" in r.stderr, (args, r.stderr)
        assert r.stdout == ""
    assert list(out.iterdir()) == [] and not vault.exists()  # nothing written, no vault folder made up
    moved.rename(vault)
    # A path whose folder does not exist; a folder given for a file (click's usage error, exit 2).
    r = run("export", "canvas", str(tmp_path / "nope" / "g.canvas"))
    assert r.returncode == 1 and "no folder" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    for kind in ("json", "context", "canvas"):
        r = run("export", kind, str(out))
        assert r.returncode == 2 and "is a directory" in r.stderr, (kind, r.stderr)
    (out / "file").write_text("x")
    r = run("export", "mem-agent", str(out / "file"), "--json")
    assert r.returncode != 0 and r.stdout == ""
    assert (out / "file").read_text() == "x"
    # With --json the success output is the JSON of what was written, and nothing else.
    r = run("export", "json", str(out / "m.json"), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "written"
