"""mlx in process at import scale: the weights of a folder are loaded once however many models
use them, and the import decides one conversation at a time with it."""

from __future__ import annotations

import threading

import pytest

from memd.llm import mlx_local
from memd.llm.mlx_local import MLXChatModel
from memd.llm.server_kind import resolve_concurrency


class _Tokenizer:
    chat_template = "{{ messages }}"


def test_a_model_folder_is_loaded_once_and_released_with_its_last_user(tmp_path, monkeypatch):
    # mlx-lm itself is replaced by a loader that counts (this test runs where mlx is absent too);
    # the real library is exercised below when it is installed.
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    loads = []

    def load(path):
        loads.append(path)
        return object(), _Tokenizer()

    monkeypatch.setattr(mlx_local, "_require_mlx_lm", lambda: {"load": load})
    a, b = MLXChatModel(folder), MLXChatModel(folder)
    threads = [threading.Thread(target=m.load) for m in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and a._model is b._model
    assert a._lock is b._lock  # one sequence at a time on one model
    a.close()
    assert MLXChatModel(folder)._lock is b._lock
    c = MLXChatModel(folder)
    c.load()
    assert len(loads) == 1  # b still holds the weights
    b.close()
    c.close()
    d = MLXChatModel(folder)
    d.load()
    assert len(loads) == 2  # every user closed: the weights were dropped, loaded again
    d.close()


def test_mlx_decides_one_conversation_at_a_time():
    assert resolve_concurrency("mlx", 32, None)[0] == 1


def test_real_mlx_models_share_weights(tiny_model_path):
    a, b = MLXChatModel(tiny_model_path), MLXChatModel(tiny_model_path)
    a.load()
    b.load()
    try:
        assert a._model is b._model
    finally:
        a.close()
        b.close()
