"""Backends for tests/importers/test_parallel.py that a spawned import worker can unpickle: the
test puts this folder on sys.path (the worker inherits it) and imports this module by its name."""

from __future__ import annotations

import multiprocessing
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
        if "DIE" in request.new_turn.text and multiprocessing.parent_process() is not None:
            os._exit(3)
        return super().decide(request)
