from memd.cli import entry

entry()
