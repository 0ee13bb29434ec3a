"""Layer 0: run a <python> block by interpreting it, never by exec.

Most mem-agent blocks are straight-line tool calls and assignments (`content =
read_file("user.md")`). Such a block is parsed with `ast` and walked by this small evaluator:
only the node types below exist, names resolve only to the block's own variables, the tools and
a few pure builtins, attributes only to whitelisted methods of str/list/dict called directly
(no attribute is ever read as a value, no name with an underscore), and every value is plain
data. No import, def, class, lambda, while, with, try, global, starred call or `**`, so there is
nothing to escape with: the interpreter holds no reference to any object the block could walk.
Work is bounded: a step budget, and size caps on every string, list and integer made.

A block outside this subset raises NotInterpretable; the caller decides whether a confined
child may run it (sandbox.py) or the model is told to use plain tool calls.
"""

from __future__ import annotations

import ast
import io
import re
import time
from typing import Any, Callable

MAX_STEPS = 200_000
MAX_LEN = 1_000_000  # characters of a string / items of a list made by the block
MAX_INT_BITS = 4096
MAX_RANGE = 100_000
MAX_PRINT = 20_000
MAX_TOTAL = 20_000_000  # characters / items of all values a block makes together (bounds its memory)


class NotInterpretable(Exception):
    """The block uses Python beyond plain tool calls and assignments."""


class BlockError(Exception):
    """The block failed while running (shown to the model like a Python error)."""


_SAFE_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict,
    "sorted": sorted, "min": min, "max": max, "sum": sum, "enumerate": enumerate, "zip": zip,
    "abs": abs, "round": round, "any": any, "all": all, "reversed": reversed, "set": set, "tuple": tuple,
}
_METHODS = {
    str: {"split", "splitlines", "strip", "lstrip", "rstrip", "lower", "upper", "title", "startswith", "endswith",
          "replace", "find", "rfind", "count", "join", "isdigit", "isalpha", "capitalize", "partition", "rpartition"},
    list: {"append", "extend", "index", "count", "insert", "pop", "remove", "sort", "reverse"},
    dict: {"get", "keys", "values", "items", "update", "setdefault", "pop"},
    set: {"add", "discard", "union", "intersection"},
    tuple: {"index", "count"},
}
_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
}
_CMPOPS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b, ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}
_PLAIN = (str, int, float, bool, type(None), list, dict, tuple, set)
_STMTS = (ast.Assign, ast.AugAssign, ast.Expr, ast.If, ast.For, ast.Pass, ast.Break, ast.Continue)
_EXPRS = (ast.Constant, ast.Name, ast.JoinedStr, ast.FormattedValue, ast.List, ast.Tuple, ast.Dict, ast.Set,
          ast.BinOp, ast.BoolOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Subscript, ast.Slice, ast.Call,
          ast.Attribute, ast.ListComp, ast.comprehension, ast.Load, ast.Store, ast.operator, ast.boolop,
          ast.unaryop, ast.cmpop, ast.keyword, ast.expr_context)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def parse_block(code: str) -> ast.Module:
    """The block's tree if it lies in the subset; NotInterpretable naming the first thing that
    does not; SyntaxError as Python raises it."""
    tree = ast.parse(code, mode="exec")
    for node in ast.walk(tree):
        if isinstance(node, ast.Module):
            continue
        if isinstance(node, ast.stmt) and not isinstance(node, _STMTS):
            raise NotInterpretable(f"line {node.lineno}: {type(node).__name__} statements")
        if not isinstance(node, ast.stmt) and not isinstance(node, _EXPRS):
            raise NotInterpretable(f"{type(node).__name__} expressions")
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) not in _BINOPS:
            raise NotInterpretable(f"the {type(node.op).__name__} operator")
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            raise NotInterpretable("bytes literals")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise NotInterpretable(f"the name {node.id}")
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise NotInterpretable(f"the attribute {node.attr}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, (ast.Name, ast.Attribute)):
                raise NotInterpretable("calls of computed functions")
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                raise NotInterpretable("* and ** in calls")
        if isinstance(node, ast.comprehension) and node.is_async:
            raise NotInterpretable("async comprehensions")
        for target in _targets(node):
            if not isinstance(target, (ast.Name, ast.Tuple, ast.Subscript)):
                raise NotInterpretable("assignment to attributes or starred names")
    # An attribute may only be called, never read as a value (no `x.append` without the call).
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node.func._called = True  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not getattr(node, "_called", False):
            raise NotInterpretable(f"reading the attribute {node.attr}")
    return tree


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        out: list[ast.AST] = []
        for t in node.targets:
            out += list(t.elts) if isinstance(t, ast.Tuple) else [t]
        return out
    if isinstance(node, (ast.AugAssign, ast.For, ast.comprehension)):
        t = node.target
        return list(t.elts) if isinstance(t, ast.Tuple) else [t]
    return []


class Interpreter:
    def __init__(self, tools: Callable[[str, list[Any], dict[str, Any]], Any], tool_names: tuple[str, ...],
                 timeout_s: float = 5.0):
        self.call_tool = tools
        self.timeout_s = timeout_s
        self.deadline = time.monotonic() + timeout_s
        self.tool_names = set(tool_names)
        self.vars: dict[str, Any] = {}
        self.steps = 0
        self.made = 0  # characters and items made so far (MAX_TOTAL)
        self.out = io.StringIO()

    def run(self, tree: ast.Module) -> dict[str, Any]:
        """Run the block; its variables. BlockError when it fails (variables so far are kept)."""
        self.deadline = time.monotonic() + self.timeout_s
        try:
            for stmt in tree.body:
                self._stmt(stmt)
        except (_Break, _Continue):
            raise BlockError("SyntaxError: 'break' outside loop") from None
        except BlockError:
            raise
        except RecursionError:
            raise BlockError("RecursionError: the block nests too deeply") from None
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
            raise BlockError(f"{type(exc).__name__}: {exc}") from None
        return self.vars

    @property
    def printed(self) -> str:
        return self.out.getvalue()[:MAX_PRINT]

    # -- statements --------------------------------------------------------------------------
    def _tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise BlockError(f"the block ran more than {MAX_STEPS} steps")
        # Steps are cheap but some are not (`x in a_long_list`): the wall clock bounds them all.
        if self.steps & 63 == 0 and time.monotonic() > self.deadline:
            raise BlockError(f"the block ran past its {self.timeout_s:g} s limit and was stopped")

    def _stmt(self, node: ast.stmt) -> None:
        self._tick()
        if isinstance(node, ast.Assign):
            value = self._expr(node.value)
            for target in node.targets:
                self._assign(target, value)
        elif isinstance(node, ast.AugAssign):
            current = self._expr(ast.Name(node.target.id, ast.Load())) if isinstance(node.target, ast.Name) \
                else self._expr(node.target)
            self._assign(node.target, self._check(_BINOPS[type(node.op)](current, self._expr(node.value))))
        elif isinstance(node, ast.Expr):
            self._expr(node.value)
        elif isinstance(node, ast.If):
            for stmt in node.body if self._expr(node.test) else node.orelse:
                self._stmt(stmt)
        elif isinstance(node, ast.For):
            broke = False
            for item in self._iterable(self._expr(node.iter)):
                self._assign(node.target, item)
                try:
                    for stmt in node.body:
                        self._stmt(stmt)
                except _Break:
                    broke = True
                    break
                except _Continue:
                    continue
            if not broke:
                for stmt in node.orelse:
                    self._stmt(stmt)
        elif isinstance(node, ast.Break):
            raise _Break
        elif isinstance(node, ast.Continue):
            raise _Continue
        # ast.Pass: nothing

    def _assign(self, target: ast.AST, value: Any) -> None:
        if isinstance(target, ast.Name):
            if target.id in self.tool_names or target.id in _SAFE_BUILTINS or target.id == "print":
                raise BlockError(f"cannot assign to {target.id}")
            self.vars[target.id] = value
        elif isinstance(target, ast.Tuple):
            items = list(self._iterable(value))
            if len(items) != len(target.elts):
                raise BlockError(f"ValueError: expected {len(target.elts)} values to unpack, got {len(items)}")
            for t, v in zip(target.elts, items):
                self._assign(t, v)
        elif isinstance(target, ast.Subscript):
            container = self._expr(target.value)
            if not isinstance(container, (list, dict)):
                raise BlockError("TypeError: only lists and dicts support item assignment")
            container[self._expr(target.slice)] = value
        else:
            raise BlockError("unsupported assignment target")

    # -- expressions -------------------------------------------------------------------------
    def _check(self, value: Any) -> Any:
        if not isinstance(value, _PLAIN):
            raise BlockError(f"TypeError: {type(value).__name__} values are not available")
        if isinstance(value, (str, list, tuple, dict, set)):
            if len(value) > MAX_LEN:
                raise BlockError(f"MemoryError: a value longer than {MAX_LEN}")
            # Each value is capped, so a loop keeping many of them is what could still eat memory.
            self.made += len(value)
            if self.made > MAX_TOTAL:
                raise BlockError(f"MemoryError: the block made more than {MAX_TOTAL} characters of values")
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            raise BlockError("OverflowError: integer too large")
        return value

    def _iterable(self, value: Any) -> Any:
        if isinstance(value, (enumerate, zip, reversed, range)):
            value = list(value)
        if not isinstance(value, (str, list, tuple, dict, set)):
            raise BlockError(f"TypeError: {type(value).__name__} is not iterable")
        return list(value)

    def _expr(self, node: ast.AST) -> Any:
        self._tick()
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.vars:
                return self.vars[node.id]
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            raise BlockError(f"NameError: name {node.id!r} is not defined")
        if isinstance(node, ast.JoinedStr):
            return self._check("".join(str(self._expr(v)) for v in node.values))
        if isinstance(node, ast.FormattedValue):
            value = self._expr(node.value)
            if node.conversion == ord("r"):
                value = repr(value)
            spec = self._expr(node.format_spec) if node.format_spec else ""
            if any(int(d) > 1000 for d in re.findall(r"\d+", str(spec))):
                raise BlockError("ValueError: format width or precision over 1000")
            if not isinstance(value, (str, int, float, bool, type(None))):
                value = str(value)
            return self._check(format(value, spec))
        if isinstance(node, ast.List):
            return self._check([self._expr(e) for e in node.elts])
        if isinstance(node, ast.Tuple):
            return tuple(self._expr(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return self._check({self._expr(e) for e in node.elts})
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise BlockError("** in dict displays is not available")
            return self._check({self._expr(k): self._expr(v) for k, v in zip(node.keys, node.values)})
        if isinstance(node, ast.BinOp):
            left, right = self._expr(node.left), self._expr(node.right)
            if isinstance(node.op, ast.Mult):
                seq, n = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * max(n, 0) > MAX_LEN:
                    raise BlockError(f"MemoryError: a value longer than {MAX_LEN}")
            if isinstance(node.op, ast.Mod) and isinstance(left, str):
                raise BlockError("%-formatting is not available; use f-strings")
            return self._check(_BINOPS[type(node.op)](left, right))
        if isinstance(node, ast.BoolOp):
            result: Any = None
            for v in node.values:
                result = self._expr(v)
                if isinstance(node.op, ast.And) and not result or isinstance(node.op, ast.Or) and result:
                    return result
            return result
        if isinstance(node, ast.UnaryOp):
            v = self._expr(node.operand)
            ops = {ast.Not: lambda x: not x, ast.USub: lambda x: -x, ast.UAdd: lambda x: +x}
            if type(node.op) not in ops:
                raise BlockError("the ~ operator is not available")
            return ops[type(node.op)](v)
        if isinstance(node, ast.Compare):
            left = self._expr(node.left)
            for op, comp in zip(node.ops, node.comparators):
                right = self._expr(comp)
                if not _CMPOPS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self._expr(node.body) if self._expr(node.test) else self._expr(node.orelse)
        if isinstance(node, ast.Subscript):
            container = self._expr(node.value)
            if not isinstance(container, (str, list, tuple, dict)):
                raise BlockError(f"TypeError: {type(container).__name__} is not subscriptable")
            return container[self._expr(node.slice)]
        if isinstance(node, ast.Slice):
            parts = [self._expr(p) if p is not None else None for p in (node.lower, node.upper, node.step)]
            if any(p is not None and not isinstance(p, int) for p in parts):
                raise BlockError("TypeError: slice indices must be integers")
            return slice(*parts)
        if isinstance(node, ast.ListComp):
            return self._check(self._listcomp(node))
        if isinstance(node, ast.Call):
            return self._call(node)
        raise BlockError(f"{type(node).__name__} is not available")

    def _listcomp(self, node: ast.ListComp) -> list[Any]:
        saved = dict(self.vars)
        out: list[Any] = []

        def gen(i: int) -> None:
            if i == len(node.generators):
                out.append(self._expr(node.elt))
                if len(out) > MAX_LEN:
                    raise BlockError("MemoryError: list too long")
                return
            g = node.generators[i]
            for item in self._iterable(self._expr(g.iter)):
                self._assign(g.target, item)
                if all(self._expr(c) for c in g.ifs):
                    gen(i + 1)

        try:
            gen(0)
        finally:
            self.vars = saved  # comprehension variables do not leak, as in Python 3
        return out

    def _call(self, node: ast.Call) -> Any:
        args = [self._expr(a) for a in node.args]
        kwargs = {k.arg: self._expr(k.value) for k in node.keywords if k.arg}
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
            if name in self.tool_names:
                return self._check(self.call_tool(name, args, kwargs))
            if name == "print":
                if self.out.tell() < MAX_PRINT:  # what is shown is capped; so is what is kept
                    print(*[str(a)[:MAX_PRINT] for a in args[:100]], file=self.out)
                return None
            if name == "range":
                r = range(*args)
                if len(r) > MAX_RANGE:
                    raise BlockError(f"range longer than {MAX_RANGE}")
                return list(r)
            fn = _SAFE_BUILTINS.get(name)
            if fn is None:
                raise BlockError(f"NameError: name {name!r} is not defined")
            result = fn(*args, **kwargs)
            if isinstance(result, (enumerate, zip, reversed)):
                result = list(result)
            return self._check(result)
        assert isinstance(func, ast.Attribute)
        obj = self._expr(func.value)
        allowed = _METHODS.get(type(obj), set())
        if func.attr not in allowed:
            raise BlockError(f"AttributeError: {type(obj).__name__}.{func.attr} is not available")
        if func.attr == "replace" and isinstance(obj, str) and len(args) >= 2 and isinstance(args[1], str) \
                and isinstance(args[0], str) and len(obj) + (obj.count(args[0]) + 1) * len(args[1]) > MAX_LEN:
            raise BlockError(f"MemoryError: a value longer than {MAX_LEN}")
        if func.attr == "join" and not all(isinstance(a, (list, tuple, str, set)) for a in args):
            raise BlockError("TypeError: join takes a list of strings")
        result = getattr(obj, func.attr)(*args, **kwargs)
        if isinstance(result, (type({}.keys()), type({}.values()), type({}.items()))):
            result = list(result)
        return self._check(result)
