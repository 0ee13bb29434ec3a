"""memd's worker processes: results in order, errors carried back, no __main__ re-import."""

import os
import subprocess
import sys
import textwrap

import pytest

from memd.workers import WorkerError, WorkerPool

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def _tests_importable_in_workers(monkeypatch):
    """The functions below are pickled by reference (tests.core.test_workers.square); workers
    never have the current folder on sys.path, so they find this module through PYTHONPATH."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])))


def square(x):
    return x * x


def fail_on_7(x):
    if x == 7:
        raise ValueError("seven")
    return x


def noisy(x):
    print("stray output must not break the protocol")
    return x


def test_results_come_back_in_order_across_workers():
    with WorkerPool(2) as pool:
        assert list(pool.imap(square, range(1000), chunksize=7)) == [x * x for x in range(1000)]
        assert list(pool.imap(square, [])) == []
        assert list(pool.imap(noisy, range(5))) == list(range(5))


def test_an_error_in_a_worker_is_raised_with_its_traceback():
    with WorkerPool(1) as pool:
        with pytest.raises(WorkerError, match="ValueError: seven"):
            list(pool.imap(fail_on_7, range(20), chunksize=3))


def unpicklable_result(x):
    return lambda: x


def test_work_that_cannot_be_pickled_raises_at_once_and_the_pool_goes_on():
    """A chunk that cannot be pickled used to die in the feeder thread, and result() then waited
    forever for an answer that was never asked for."""
    with WorkerPool(1) as pool:
        with pytest.raises(Exception, match="pickle"):
            pool.submit(square, [1, lambda: 2])
        assert pool.pending == 0
        with pytest.raises(WorkerError, match="pickle"):
            list(pool.imap(unpicklable_result, range(3)))
        assert list(pool.imap(square, range(4))) == [0, 1, 4, 9]


def test_a_script_without_a_main_guard_is_not_run_again(tmp_path):
    """The reason memd has its own pool: a bulk index scan from a plain script must not
    re-execute the script in the worker (multiprocessing's spawn would)."""
    vault = tmp_path / "v"
    vault.mkdir()
    for i in range(450):
        (vault / f"n{i}.md").write_text(f"# Note {i}\nword{i}\n")
    marker = tmp_path / "runs.txt"
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        from memd.app import Memd
        from memd.config import config_from_dict
        with open({str(marker)!r}, "a") as fh:
            fh.write("run\\n")
        app = Memd(config_from_dict({{"vault": {str(vault)!r}, "state_dir": {str(tmp_path / "s")!r}}}))
        print(app.index.scan().added)
    """))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "450" and marker.read_text() == "run\n"


def test_a_memd_folder_in_the_current_directory_does_not_shadow_the_installed_one(tmp_path, monkeypatch):
    # What running from a source checkout looks like to `python -m`: a `memd` package in the
    # current folder. The workers must import the real one.
    fake = tmp_path / "memd"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('the shadowing memd was imported')\n")
    (fake / "workers.py").write_text("raise SystemExit(3)\n")
    monkeypatch.chdir(tmp_path)
    with WorkerPool(1) as pool:
        assert list(pool.imap(square, range(5))) == [0, 1, 4, 9, 16]


def test_submitted_chunks_are_answered_in_submission_order():
    """What an import's planner uses: chunks submitted as the work comes, answers taken back in
    the order they were submitted, round robin over the workers."""
    with WorkerPool(3) as pool:
        for start in range(0, 40, 4):
            pool.submit(square, list(range(start, start + 4)))
        assert pool.pending == 10 and pool.alive
        out = []
        while pool.pending:
            out += pool.result()
        assert out == [x * x for x in range(40)]


def test_imap_reads_its_input_as_it_goes():
    """A large input is never read whole: the pool stays a bounded number of chunks ahead."""
    from memd.workers import PREFETCH

    pulled = 0

    def items():
        nonlocal pulled
        for x in range(10_000):
            pulled += 1
            yield x

    with WorkerPool(2) as pool:
        results = pool.imap(square, items(), chunksize=10)
        assert next(results) == 0
        assert pulled <= (2 * PREFETCH + 1) * 10
        assert sum(1 for _ in results) == 9_999


def test_an_imap_left_early_leaves_no_answers_behind():
    with WorkerPool(2) as pool:
        first = pool.imap(square, range(1000), chunksize=5)
        assert next(first) == 0
        first.close()
        assert pool.pending == 0
        assert list(pool.imap(square, range(7), chunksize=2)) == [x * x for x in range(7)]
