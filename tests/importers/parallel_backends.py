"""Backends for tests/importers/test_parallel.py that an import worker (memd.workers) can unpickle:
the test puts this folder on sys.path and PYTHONPATH (the worker inherits the environment) and
imports this module by its name."""

from __future__ import annotations

import os

from memd.extract.rules import RulesBackend


class ExplodingBackend(RulesBackend):
    """The rules, except a turn saying EXPLODE raises (in the worker and in the import alike)."""

    def decide(self, request):
        if "EXPLODE" in request.new_turn.text:
            raise ValueError("cannot read this turn")
        return super().decide(request)


class DyingBackend(RulesBackend):
    """The rules, except that a worker process dies on a turn saying DIE (the import reads it)."""

    def decide(self, request):
        if "DIE" in request.new_turn.text and os.environ.get("MEMD_WORKER") == "1":
            os._exit(3)
        return super().decide(request)
