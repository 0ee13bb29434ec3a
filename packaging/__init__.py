"""Service definitions (launchd, systemd, Homebrew), shipped as package data for `memd service`."""
