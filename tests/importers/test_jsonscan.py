"""jsonscan against a byte-at-a-time reference: the same refusals for any JSON text, however it is
cut into chunks, on both of its string-finding paths (split at quotes; whole-string pattern)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memd.importers.jsonscan import CheckedStream, JsonLimits, LimitExceeded, Scanner, check_text


def reference(data: bytes) -> tuple[int, int, int]:
    """(deepest nesting, longest string with its quotes, longest number) the slow, obvious way."""
    depth = deepest = string = longest_string = run = longest_run = 0
    inside = escaped = False
    for byte in data:
        c = chr(byte)
        if inside:
            string += 1
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                inside = False
                longest_string = max(longest_string, string)
            continue
        if c == '"':
            inside, string, run = True, 1, 0
            continue
        if c in "-+.0123456789eE":
            run += 1
            longest_run = max(longest_run, run)
            continue
        run = 0
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    if inside:
        longest_string = max(longest_string, string)
    return deepest, longest_string, longest_run


TEXT = st.text(alphabet=st.sampled_from(list('ab"\\[]{}0e\n é')), max_size=30)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=40,
)


def feed(data: bytes, limits: JsonLimits, cuts: list[int]) -> bool:
    """True when the scanner refused `data` fed in pieces of the given sizes."""
    scanner = Scanner("t", limits)
    pos, i = 0, 0
    try:
        while pos < len(data):
            size = cuts[i % len(cuts)]
            scanner.feed(data[pos:pos + size])
            pos, i = pos + size, i + 1
    except LimitExceeded:
        return True
    return False


@settings(max_examples=300, deadline=None)
@given(value=VALUES, ascii_only=st.booleans(), cuts=st.lists(st.integers(1, 40), min_size=1, max_size=8),
       slack=st.tuples(st.integers(-1, 1), st.integers(-2, 1), st.integers(-1, 1)), pattern_path=st.booleans())
def test_refuses_exactly_what_the_reference_finds_past_a_limit(value, ascii_only, cuts, slack, pattern_path):
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    deepest, longest_string, longest_number = reference(data)
    limits = JsonLimits(max_depth=max(0, deepest + slack[0]),
                        # a huge string limit takes the split-at-quotes path, a small one the pattern
                        max_string=max(0, longest_string + slack[1]) if pattern_path else 10**9,
                        max_number=max(0, longest_number + slack[2]), max_record=0)
    broken = (deepest > limits.max_depth or longest_string > limits.max_string
              or longest_number > limits.max_number)
    assert feed(data, limits, cuts) == broken


@pytest.mark.parametrize("data, limit", [
    (b"[" * 300, "max_json_depth"),
    (b'["' + b"a" * 2000 + b'"]', "max_string_mb"),
    (b'["' + b'\\"' * 1000 + b'"]', "max_string_mb"),  # escaped quotes keep the string open
    (b"[" + b"9" * 2000 + b"]", "max_number_digits"),
])
def test_the_refusal_names_its_limit(data, limit):
    with pytest.raises(LimitExceeded, match=limit):
        check_text("x.json", data, JsonLimits(max_depth=256, max_string=1000, max_number=1000), chunk=64)


def test_brackets_and_digits_inside_strings_are_not_structure():
    text = json.dumps(["[" * 5000 + "9" * 5000 + '{"' * 100]).encode()
    check_text("x.json", text, JsonLimits(max_depth=2, max_string=1 << 20, max_number=10), chunk=7)


def test_a_record_larger_than_its_limit_is_refused_in_the_stream():
    big = json.dumps([{"a": "x" * 500} for _ in range(50)]).encode()  # records of ~510 bytes, 25 KB in all
    limits = JsonLimits(max_depth=10, max_string=1 << 20, max_number=100, max_record=2048)
    stream = CheckedStream(_Chunks(big, 256), Scanner("r.json", limits, record_depth=1))
    while stream.read(256):
        pass  # many small records: fine
    one = json.dumps([{"a": ["x" * 100] * 60}]).encode()  # one record of ~6 KB
    stream = CheckedStream(_Chunks(one, 256), Scanner("r.json", limits, record_depth=1))
    with pytest.raises(LimitExceeded, match="max_record_mb"):
        while stream.read(256):
            pass


class _Chunks:
    def __init__(self, data: bytes, size: int):
        self.data, self.pos, self.size = data, 0, size

    def read(self, n: int = -1) -> bytes:
        piece = self.data[self.pos:self.pos + min(n if n > 0 else self.size, self.size)]
        self.pos += len(piece)
        return piece


def test_a_record_made_of_long_strings_counts_every_chunk():
    # Each string stays under the string limit, the record does not: chunks that lie wholly
    # inside a string count toward the record too.
    record = json.dumps([{"parts": ["y" * 3000] * 4}]).encode()
    limits = JsonLimits(max_depth=10, max_string=4000, max_number=100, max_record=8000)
    stream = CheckedStream(_Chunks(record, 500), Scanner("r.json", limits, record_depth=1))
    with pytest.raises(LimitExceeded, match="max_record_mb"):
        while stream.read(500):
            pass
