"""End-to-end tests of the Telegram adapter against a fake Bot API on loopback."""
