"""The predicate rules (memd/extract/patterns) state exactly what they stated when they were one
module, rules_patterns.py, on a fixed corpus written for this test.

data/patterns_golden.jsonl was made by the old module (tests/extract/patterns_dump.py run with
memd.extract.rules_patterns); the package must reproduce it byte for byte. A change in what any
rule states, in which rule answers, or in the rule order shows up here. When a change is meant,
look at the diff this test prints, then make the golden file again:

    .venv/bin/python tests/extract/patterns_dump.py memd.extract.patterns > tests/extract/data/patterns_golden.jsonl
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DUMP = HERE / "patterns_dump.py"
GOLDEN = HERE / "data" / "patterns_golden.jsonl"


@pytest.fixture(scope="module")
def dumped() -> str:
    # A process of its own: only the package's rules are registered there, whatever other rule
    # modules (rules_persona, ...) this test session has imported.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(DUMP), "memd.extract.patterns"], capture_output=True, text=True,
                          timeout=240, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_package_states_what_the_old_module_stated(dumped):
    want = GOLDEN.read_text(encoding="utf-8")
    if dumped != want:
        diff = list(difflib.unified_diff(want.splitlines(), dumped.splitlines(), "golden (rules_patterns.py)",
                                         "memd.extract.patterns", lineterm="", n=0))
        pytest.fail(f"{sum(1 for d in diff if d[:1] in '+-') - 2} lines differ:\n" + "\n".join(diff[:60]))


def test_corpus_reaches_every_rule(dumped):
    # A rule no corpus line reaches is a rule this test does not guard.
    rows = [json.loads(line) for line in dumped.splitlines()]
    answered = {name for row in rows for name in row[4]}
    code = ("import json, memd.extract.patterns as P; print(json.dumps([r.name for r in P.core._RULES]))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    names = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                                      cwd=ROOT, env=env, check=True).stdout)
    assert len(names) == len(set(names)) >= 117
    assert [n for n in names if n not in answered] == []
    # Facts come out for most of the corpus, under every subject: not a corpus of refusals.
    with_facts = [row for row in rows if row[5]]
    assert len(with_facts) > len(rows) * 0.6
    assert {row[2] for row in with_facts} == {"I", "my sister", "Anna", "he", "we"}


def test_every_table_row_is_registered_once_at_its_place():
    from memd.extract.patterns import core, tables

    assert tables.unregistered() == []
    names = [r.name for r in core._RULES]
    for name in tables.ROWS:
        assert names.count(name) == 1, name
    # Rows sit among the code rules of their domain, not bunched at the end: "lives_in" is tried
    # after the "moved to" rules and before "was born".
    assert names.index("moved_to") < names.index("lives_in") < names.index("born")
    assert names.index("hobbyist") < names.index("is_a_job")


def test_a_table_row_behaves_as_a_rule():
    from memd.extract.patterns import SELF, Clause, Env, Subject, match_predicate

    env = Env()
    got = match_predicate(Clause(SELF, "no longer live in Bremen", "", env))
    assert [(f.key, f.value, f.negated) for f in got] == [("living_location", "Bremen", True)]
    got = match_predicate(Clause(Subject("relative", relation="sister"), "lives in a tiny flat in Aarhus", "", env))
    assert [(f.key, f.value, f.subject.relation) for f in got] == [("living_location", "Aarhus", "sister")]
    # "we" cannot have one nationality; a row marked singular_only is not tried for it.
    assert match_predicate(Clause(Subject("self", plural=True), "am Brazilian", "", env)) == []
    assert [f.value for f in match_predicate(Clause(SELF, "am Brazilian", "", env))] == ["Brazilian"]


def test_an_unknown_building_block_in_a_row_is_an_error():
    from memd.extract.patterns import tables

    with pytest.raises(KeyError, match="NOPE"):
        tables.pattern_of({"pattern": ["lives?\\s+in\\s+{NOPE}"]}, {})
    # A regex repeat is not a building block.
    assert tables.pattern_of({"pattern": ["a{0,3}", "{HAVE}"]}, {}) == "a{0,3}(?:have|has)"


def test_the_wheel_ships_the_tables():
    # `pip install .` builds a wheel from pyproject's lists; tables.toml must be among its data.
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "memd.extract.patterns" in tool["packages"]
    globs = tool["package-data"].get("memd.extract.patterns", [])
    data = [p.name for p in (ROOT / "memd" / "extract" / "patterns").iterdir() if p.suffix not in (".py", ".pyc") and p.is_file()]
    assert data and all(any(fnmatch(name, g) for g in globs) for name in data), (data, globs)
