from memd.cli import entry

if __name__ == "__main__":  # worker processes must be able to import this without running the CLI
    entry()
