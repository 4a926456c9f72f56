"""The console adapter: chat with leakdesk in a terminal, through the same handlers."""

from bots.console.chat import ConsoleChat

__all__ = ["ConsoleChat"]
