"""Pick the branch of a message tree that the user saw, and optionally keep the others.

ChatGPT (`mapping` with `parent`) and Claude (`parent_message_uuid`) store a conversation as a
tree: every edit of a prompt or regeneration of an answer forks it. The branch the user last saw
is the path from the root to the current leaf. Other branches are returned as chains of the
nodes that are not on any earlier chain, so no message appears twice and each chain records the
node it forked from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class CycleError(ValueError):
    """The parent links loop: the export is corrupt for this conversation."""


@dataclass
class Branches:
    main: list[str]  # root -> leaf, the branch the user saw
    others: list[list[str]] = field(default_factory=list)  # each chain root-most first
    used_fallback: bool = False  # the current node was missing, the newest leaf was taken


def _path_to_root(leaf: str, parents: Mapping[str, str | None], stop: set[str] | None = None) -> list[str]:
    path: list[str] = []
    seen: set[str] = set()
    node: str | None = leaf
    while node is not None and node in parents:
        if stop is not None and node in stop:
            break
        if node in seen:
            raise CycleError(f"the message tree loops at {node}")
        seen.add(node)
        path.append(node)
        node = parents[node]
    path.reverse()
    return path


def select(parents: Mapping[str, str | None], times: Mapping[str, float | None],
           current: str | None, all_branches: bool = False) -> Branches:
    """`parents` maps node id -> parent id in export order; `times` gives a sort time per node.

    Without a usable `current`, the newest leaf (by time, then by export order) is taken: it is
    the last thing the user did in that conversation.
    """
    order = {node: i for i, node in enumerate(parents)}
    has_child: set[str] = {p for p in parents.values() if p is not None and p in parents}
    leaves = [n for n in parents if n not in has_child]

    def newest_key(node: str) -> tuple[float, int]:
        t = times.get(node)
        return (t if t is not None else float("-inf"), order[node])

    fallback = False
    if current is not None and current in parents:
        leaf = current
    else:
        fallback = current is not None
        if not leaves:
            return Branches(main=[], used_fallback=fallback)
        leaf = max(leaves, key=newest_key)
    main = _path_to_root(leaf, parents)
    result = Branches(main=main, used_fallback=fallback)
    if not all_branches:
        return result
    emitted = set(main)
    for other in sorted(leaves, key=newest_key):
        if other in emitted:
            continue
        chain = _path_to_root(other, parents, stop=emitted)
        if chain:
            emitted.update(chain)
            result.others.append(chain)
    return result
