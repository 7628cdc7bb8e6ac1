"""The `b2b` command line."""

from b2bcore.cli.main import main

__all__ = ["main"]
