"""``python -m bots.discord``: run the Discord bot with settings from the environment."""

import sys

from bots.discord.runner import run
from core.settings import Settings

if __name__ == "__main__":
    sys.exit(run(Settings()))
