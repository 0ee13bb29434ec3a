"""The `memd` command line. Commands live in one module per group; this file wires them up and
turns every user-facing failure into one line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import sys
import traceback

import click

from memd import __version__
from memd.cli.common import CliState, err_console
from memd.cli.daemon_cmds import doctor, run, service
from memd.cli.demo_cmds import demo
from memd.cli.export_cmds import export
from memd.cli.extract_cmds import decisions, ingest, remember
from memd.cli.import_cmds import import_group
from memd.cli.mcp_cmds import mcp
from memd.cli.memory_cmds import entity, fact, log, review, undo, why
from memd.cli.query_cmds import ask, context
from memd.cli.search_cmds import search
from memd.cli.setup_cmds import init, reindex, status
from memd.errors import MemdError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", envvar="MEMD_CONFIG", type=click.Path(dir_okay=False),
              help="Config file (default: the platform config dir; env MEMD_CONFIG).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(__version__, prog_name="memd")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """memd keeps a plain-markdown memory of you inside your Obsidian vault."""
    ctx.obj = CliState(config_path=config_path, debug=debug)
    ctx.call_on_close(ctx.obj.close)


for command in (init, status, reindex, search, entity, fact, log, undo, why, review, ingest, remember, decisions,
                import_group, run, service, doctor, ask, context, demo, export, mcp):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:]) or os.environ.get("MEMD_DEBUG") == "1"
    try:
        cli.main(args=argv, prog_name="memd", standalone_mode=False)
        return 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        err_console.print("memd: aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except MemdError as exc:
        if debug:
            traceback.print_exc()
        print(f"memd: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("memd: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so in one line, the traceback with --debug
        if debug:
            traceback.print_exc()
        print(f"memd: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1


def entry() -> None:
    sys.exit(main())
