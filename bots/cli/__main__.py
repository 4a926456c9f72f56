"""``python -m bots.cli``."""

from bots.cli.app import main

main()
