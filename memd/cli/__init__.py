"""The `memd` command line. Commands live in one module per group; this file wires them up and
turns every user-facing failure into one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import os
import sys
import traceback

import click

from memd import __version__
from memd.cli.common import CliState, console, err_console
from memd.cli.config_cmds import config_group
from memd.cli.daemon_cmds import doctor, run, service, stop
from memd.cli.demo_cmds import demo
from memd.cli.export_cmds import export
from memd.cli.extract_cmds import decisions, ingest, remember
from memd.cli.import_cmds import import_group
from memd.cli.mcp_cmds import mcp
from memd.cli.memory_cmds import entity, fact, log, review, undo, why
from memd.cli.query_cmds import ask, context
from memd.cli.search_cmds import search
from memd.cli.setup_cmds import init, reindex, status
from memd.cli.shell_cmds import completion
from memd.errors import MemdError

DOCS_URL = "https://pypi.org/project/memd-vault/"

EPILOG = f"""\b
Examples:
  memd init ~/Obsidian/Main              set memd up for a vault
  memd import chatgpt ~/Downloads/chatgpt-export.zip
  memd remember "I moved to Berlin in May"
  memd search berlin                     search every note
  memd ask "where do I live"             answer from memory, with sources
  memd service install                   run the daemon in the background
  memd status --json | jq .daemon        any command: --json for scripts

\b
Docs: {DOCS_URL} (README), `memd COMMAND --help` for each command."""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             invoke_without_command=True, epilog=EPILOG)
@click.option("--config", "config_path", envvar="MEMD_CONFIG", type=click.Path(dir_okay=False),
              help="Config file (default: the platform config dir; env MEMD_CONFIG).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(__version__, "-V", "--version", prog_name="memd", help="Show the version and exit.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """memd keeps a plain-markdown memory of you inside your Obsidian vault."""
    ctx.obj = CliState(config_path=config_path, debug=debug)
    ctx.call_on_close(ctx.obj.close)
    # Into a pipe or file, lines stay whole: rich would wrap them at the 80 columns it assumes.
    for con in (console, err_console):
        if not con.is_terminal:
            con.soft_wrap = True
    if ctx.invoked_subcommand is None:  # plain `memd`: the help, as a successful answer
        click.echo(ctx.get_help())
        ctx.exit(0)


for command in (init, status, reindex, search, entity, fact, log, undo, why, review, ingest, remember, decisions,
                import_group, run, stop, service, doctor, ask, context, demo, export, mcp, config_group, completion):
    cli.add_command(command)


def _wants_json(argv: list[str]) -> bool:
    args = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in args


def _json_error(exc: BaseException, message: str, exit_code: int, hint: str | None = None) -> None:
    """With --json, a failure is a JSON object on stderr (stdout stays empty or valid JSON)."""
    error = {"type": type(exc).__name__, "message": message, "exit_code": exit_code}
    if hint:
        error["hint"] = hint
    print(json.dumps({"error": error}, ensure_ascii=False), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in args or os.environ.get("MEMD_DEBUG") == "1"
    as_json = _wants_json(args)
    try:
        cli.main(args=args, prog_name="memd", standalone_mode=False)
        return 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort as exc:
        _json_error(exc, "aborted", 130) if as_json else err_console.print("memd: aborted")
        return 130
    except click.ClickException as exc:
        if as_json:
            _json_error(exc, exc.format_message(), exc.exit_code)
        else:
            exc.show()
        return exc.exit_code
    except MemdError as exc:
        if debug:
            traceback.print_exc()
        if as_json:
            _json_error(exc, exc.message, exc.exit_code, exc.hint)
        else:
            print(f"memd: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        _json_error(exc, "interrupted", 130) if as_json else print("memd: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so in one line, the traceback with --debug
        if debug:
            traceback.print_exc()
        message = f"internal error: {type(exc).__name__}: {exc}"
        if as_json:
            _json_error(exc, message, 1, "run with --debug for details")
        else:
            print(f"memd: {message} (run with --debug for details)", file=sys.stderr)
        return 1


def entry() -> None:
    sys.exit(main())
