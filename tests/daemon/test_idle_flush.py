"""The daemon's scheduled idle flush: it finishes buffered turns, and builds nothing when there
are none (an idle daemon must not import the rules or load a model every minute)."""

from __future__ import annotations

import time

from memd import api
from memd.daemon.run import _flush_idle_buffers
from memd.extract.tools import BUFFER, Turn


def test_nothing_buffered_builds_no_loop(app):
    _flush_idle_buffers(app)
    assert "_loops" not in app.__dict__


def test_a_buffered_turn_is_decided_once_the_stream_is_idle(app):
    app.config.extract.idle_flush_minutes = 0.001  # 60 ms of silence is idle
    loop = api.extraction_loop(app)
    decision = loop.process(Turn("chat-1", "user", "He said he'd send it to me next week.", turn_id="1"))
    assert decision.tool == BUFFER
    assert [s["stream"] for s in loop.streams.streams_with_buffer()] == ["chat-1"]
    time.sleep(0.1)
    _flush_idle_buffers(app)
    assert loop.streams.streams_with_buffer() == []
