"""`memd demo`: everything memd does, on a throwaway vault, in under a minute.

1. make a demo vault (a few notes) and its own config, in a temp folder;
2. import the bundled ChatGPT export: transcripts land as notes, facts in memory/;
3. start the daemon (`memd run`, a real process with its socket and watcher);
4. send live chat turns over the socket (`ingest`), the way a chat client would;
5. ask questions over the socket (`search`, `ask`, `get_entity`);
6. print what the memory now holds, then stop the daemon (or keep it with --keep).
Nothing outside the temp folder is touched: the config, state and socket all live in it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from memd.config import config_from_dict, render_config
from memd.demo.sample_export import LIVE_TURNS, QUESTIONS, write_export, write_notes
from memd.errors import DaemonError

READY_TIMEOUT_S = 30.0


def _wait_for_daemon(config: Any, proc: subprocess.Popen) -> Any:
    from memd.daemon.client import connect_for_config

    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise DaemonError(f"the demo daemon exited: {out.strip().splitlines()[-1] if out.strip() else proc.returncode}")
        try:
            client = connect_for_config(config)
        except DaemonError:
            client = None
        if client is not None:
            return client
        time.sleep(0.05)
    raise DaemonError("the demo daemon did not start within 30 s")


def run_demo(*, keep: bool = False, workdir: Path | None = None,
             say: Callable[[str, Any], None] = lambda step, data: None) -> dict[str, Any]:
    """Run the walkthrough; `say(step, data)` is called as each step completes (the CLI prints)."""
    from memd.app import Memd
    from memd.importers.pipeline import ImportRequest, run_import
    from memd.vault_setup import init_vault

    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="memd-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    vault = root / "vault"
    vault.mkdir(exist_ok=True)
    write_notes(vault)
    cfg_path = root / "config.toml"
    config = config_from_dict({"vault": str(vault), "state_dir": str(root / "state"),
                               "writer": {"settle_seconds": 0.5},
                               "daemon": {"socket_path": str(root / "memd.sock"), "debounce_ms": 100}}, cfg_path)
    cfg_path.write_text(render_config(config))
    init_vault(vault, config_path=cfg_path)
    summary: dict[str, Any] = {"folder": str(root), "vault": str(vault), "config": str(cfg_path)}
    say("vault", summary)

    export = write_export(root)
    with Memd(config) as app:
        app.index.scan()
        report = run_import(app, ImportRequest(str(export), "chatgpt")).to_json()
    summary["import"] = report
    say("import", report)

    env = dict(os.environ, MEMD_CONFIG=str(cfg_path))
    env.pop("NOTIFY_SOCKET", None)
    # -P: not the current folder first on sys.path (a source checkout there shadows the install).
    proc = subprocess.Popen([sys.executable, "-P", "-m", "memd", "run", "--log-level", "warning"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        client = _wait_for_daemon(config, proc)
        with client:
            status = client.call("status")
            summary["daemon"] = {"pid": status["daemon"]["pid"], "socket": status["daemon"]["socket"]}
            say("daemon", summary["daemon"])
            live = []
            for n, (role, text) in enumerate(LIVE_TURNS, 1):
                result = client.call("ingest", stream="demo-chat", role=role, text=text, turn_id=str(n))
                live.append(result["decision"])
            end = client.call("stream.end", stream="demo-chat")
            summary["live"] = {"decisions": live, "end": end["end"]}
            say("live", summary["live"])
            answers = {q: client.call("ask", question=q) for q in QUESTIONS}
            search = client.call("search", query="residency", limit=3)
            summary["queries"] = {"ask": answers, "search": search}
            say("queries", summary["queries"])
            user = client.call("get_entity", name="user")
            entities = client.call("entity.list")["entities"]
            summary["memory"] = {"user": user, "entities": entities}
            say("memory", summary["memory"])
    except BaseException:
        _stop(proc)
        raise
    if keep:
        summary["kept"] = {"pid": proc.pid, "config": str(cfg_path),
                           "stop": f"kill {proc.pid}   # or: MEMD_CONFIG={cfg_path} memd status"}
    else:
        _stop(proc)
        if workdir is None:
            shutil.rmtree(root, ignore_errors=True)
            summary["removed"] = True
    say("done", summary)
    return summary


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
