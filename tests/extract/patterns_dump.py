"""Print, one JSON line per case, what the predicate rules make of tests/extract/data/patterns_corpus.txt.

    python tests/extract/patterns_dump.py memd.extract.patterns [CORPUS] > tests/extract/data/patterns_golden.jsonl

Run in a process of its own (test_patterns_equivalence.py does), so only the rules of the named
module are registered: rules_persona and the other rule modules add theirs when imported, and in
a test session that depends on which tests ran before. Each corpus line is matched by
match_predicate for five subjects (I, my sister, Anna, he, we) under a plain and a profile Env at
a fixed date; a line records which rules answered (handler did not return None) and the facts.
The module is named on the command line so the golden file could be made from the module these
rules came from (memd.extract.rules_patterns, before it became the package).
"""

from __future__ import annotations

import importlib
import json
import sys
from datetime import date
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "data" / "patterns_corpus.txt"


def cases(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lead, _, pred = line.rpartition(" | ")
        out.append((lead, pred))
    return out


def main(module: str, corpus: Path) -> None:
    P = importlib.import_module(module)
    rules = P.core._RULES if hasattr(P, "core") else P._RULES
    fired: list[str] = []

    def watch(r):
        inner = r.handler

        def handler(m, cl):
            got = inner(m, cl)
            if got is not None:
                fired.append(r.name)
            return got

        return handler

    for r in rules:
        r.handler = watch(r)
    subjects = {
        "I": P.SELF,
        "my sister": P.Subject("relative", relation="sister"),
        "Anna": P.Subject("person", name="Anna"),
        "he": P.Subject("pronoun", pronoun="he"),
        "we": P.Subject("self", plural=True),
    }
    ref = date(2025, 3, 10)
    envs = {
        "plain": P.Env(ref=ref),
        "profile": P.Env(ref=ref, strong=True, intro=True, known_names=frozenset({"Oskar"})),
    }
    for lead, pred in cases(corpus):
        for slabel, subject in subjects.items():
            for elabel, env in envs.items():
                fired.clear()
                facts = P.match_predicate(P.Clause(subject, pred, lead, env))
                row = [lead, pred, slabel, elabel, list(fired),
                       [[f.subject.kind, f.subject.name, f.subject.relation, f.key, f.value, list(f.tags), f.negated,
                         f.needs_object] for f in facts]]
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]) if len(sys.argv) > 2 else CORPUS)
