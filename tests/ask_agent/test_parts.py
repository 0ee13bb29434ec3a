"""The loop's parts on their own: turn parsing, the filter rules, the interpreter's subset,
path handling, and building the model from [ask]."""

from __future__ import annotations

import pytest

from memd.agent.filters import HIDDEN, FactFilter
from memd.agent.interpreter import BlockError, Interpreter, NotInterpretable, parse_block
from memd.agent.loop import parse_turn
from memd.agent.memfs import MemoryFS, PathRefused


def test_parse_turn_python_reply_and_stop_rules():
    p = parse_turn("<think>plan <python>not this</python></think>\n<python>\nx = 1\n</python>\nafter")
    assert p.python == "x = 1" and p.kept.endswith("</python>") and "after" not in p.kept and "plan" not in p.kept
    p = parse_turn("<think>done</think><python></python>\n<reply>Hi</reply> trailing")
    assert p.python is None and p.reply == "Hi" and p.kept.endswith("</reply>")
    # A server that ignored the stop sequence: the text is cut at </reply> / before <result>.
    p = parse_turn("<reply>cut here")
    assert p.reply == "cut here" and p.kept == "<reply>cut here</reply>"
    assert parse_turn("plain words").python is None and parse_turn("plain words").reply is None
    p = parse_turn("<python>\ny = 2\n<result>{'y': 3}</result>")
    assert p.python == "y = 2"


def test_filter_hides_named_keys_only():
    f = FactFilter.build("Please don't reveal my birth date or any addresses")
    assert f.hides("birth_date") and f.hides("home_address") and f.hides("Address")
    assert not f.hides("age") and not f.hides("user_name") and not f.hides("living_location")
    inclusive = FactFilter.build("tell me only the city")
    assert not inclusive.hides("city")  # inclusive filters stay with the model
    keys = FactFilter.build(keys=["address", "Birth Date"])
    assert keys.hides("email_address") and keys.hides("birth_date") and not keys.hides("birth_location")
    text = "# X\n- **Birth Date**: 1990-01-01\n- age: 3\n- home_address: Main St 1, Springfield"
    red = keys.redact(text)
    assert "1990-01-01" not in red and "Main St" not in red and "- age: 3" in red and HIDDEN in red
    assert keys.scrub("born 1990-01-01 at main st 1") == f"born {HIDDEN} at {HIDDEN}"
    ages = FactFilter.build(keys=["age"])
    ages.redact("- age: 29")
    assert ages.scrub("29 in 2029") == f"{HIDDEN} in 2029"


def test_interpreter_subset():
    calls = []

    def tool(name, args, kwargs):
        calls.append(name)
        return "- a: 1\n- b: 2"

    code = ("t = read_file('user.md')\nkeys = [l.split(':')[0] for l in t.splitlines()]\n"
            "d = {}\nfor k in keys:\n    d[k] = len(k)\nif 'b' in t and not False:\n    found = True\nprint(len(keys))")
    it = Interpreter(tool, ("read_file",))
    variables = it.run(parse_block(code))
    assert variables["keys"] == ["- a", "- b"] and variables["d"] == {"- a": 3, "- b": 3} and variables["found"]
    assert it.printed == "2\n" and calls == ["read_file"]
    for bad in ("import os", "def f(): pass", "x = (lambda: 1)()", "while 1: pass", "x = y.__class__",
                "with open('x') as f: pass", "x = [].append", "x = 2 ** 8", "try:\n    pass\nexcept: pass",
                "x = f(*[1])", "global g", "x = b'raw'", "x = (yield)", "class A: pass"):
        with pytest.raises(NotInterpretable):
            parse_block(bad)
    for failing in ("x = open('/etc/passwd')", "x = 'a' * 10**6 * 10", "x = 'ab'.format(1)", "x = read_file",
                    "x = '%s' % 1", "x = 'a' * 2000000", "x = f'{1:99999}'", "x = 'aa'.replace('a', 'b' * 900000)"):
        with pytest.raises((BlockError, NotInterpretable)):
            Interpreter(tool, ("read_file",)).run(parse_block(failing))
    with pytest.raises(BlockError, match="steps"):
        Interpreter(tool, ("read_file",)).run(parse_block("for i in range(100000):\n    for j in range(100000):\n        x = j"))


def test_memfs_paths(tmp_path):
    root = tmp_path / "memory"
    (root / "entities").mkdir(parents=True)
    fs = MemoryFS(root)
    assert fs.rel("./entities//x.md") == "entities/x.md"
    assert fs.rel(str(root / "user.md")) == "user.md"
    for bad in ("../x.md", "/etc/passwd", str(tmp_path / "memory-evil" / "x.md"), ".obsidian/app.json",
                "entities/.hidden.md", "a\x00b.md", "x" * 300 + ".md", "", "entities/../../x.md", 42):
        with pytest.raises(PathRefused):
            fs.rel(bad)
    assert fs.rel(".", allow_root=True) == "."


def test_ask_config_is_checked(make_app):
    from memd import api
    from memd.errors import ConfigError

    from memd.config import config_from_dict

    with pytest.raises(ConfigError, match="ask.backend"):  # caught when the config is read
        config_from_dict({"vault": "/v", "ask": {"backend": "gpt"}})
    app = make_app(backend="mlx")
    with pytest.raises(ConfigError, match="model_path"):
        api.call(app, "ask", {"question": "q"})
    with pytest.raises(ConfigError, match="ask.code"):
        config_from_dict({"vault": "/v", "ask": {"code": "exec"}})
