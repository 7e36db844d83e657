"""`nhacviec`, the command line: one module per group of subcommands, `main` in `bot.cli.main`."""

from bot.cli.main import main

__all__ = ["main"]
