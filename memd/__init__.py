"""memd: a personal-memory daemon beside your Obsidian vault."""

__version__ = "0.1.0"
