"""`memd completion bash|zsh|fish`: the shell's tab-completion script, built by click from the
command tree itself, so new commands and options complete without editing anything."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from memd.cli.common import emit, json_option

INSTALL = {
    "bash": 'eval "$(memd completion bash)"   # in ~/.bashrc',
    "zsh": 'eval "$(memd completion zsh)"    # in ~/.zshrc',
    "fish": "memd completion fish > ~/.config/fish/completions/memd.fish",
}


@click.command()
@click.argument("shell", type=click.Choice(sorted(INSTALL)))
@json_option
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the tab-completion script for SHELL.

    \b
    bash:  eval "$(memd completion bash)"   # in ~/.bashrc
    zsh:   eval "$(memd completion zsh)"    # in ~/.zshrc
    fish:  memd completion fish > ~/.config/fish/completions/memd.fish
    """
    cls = get_completion_class(shell)
    assert cls is not None  # the three choices are click's built-in shells
    root = ctx.find_root().command
    script = cls(root, {}, "memd", "_MEMD_COMPLETE").source()
    emit({"shell": shell, "script": script, "install": INSTALL[shell]}, lambda d: click.echo(d["script"]))
