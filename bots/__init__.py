"""Entrypoints: the CLI and the chat adapters (console, Discord, Telegram)."""
