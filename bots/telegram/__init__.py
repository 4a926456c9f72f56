"""Telegram adapter: fans report in private chats and groups, moderators work in a group.

``create_application(settings, app)`` builds the python-telegram-bot Application (not
started); ``run(settings)`` runs it until interrupted (long polling, or a webhook when
``telegram_webhook_url`` is set).
"""

from bots.telegram.application import create_application, file_url_for, run, serve, started

__all__ = ["create_application", "file_url_for", "run", "serve", "started"]
