"""The moderators' dashboard: another thin adapter (Starlette, Jinja2, vendored htmx)."""

from bots.web.app import create_web_app
from bots.web.settings import WebSettings

__all__ = ["WebSettings", "create_web_app"]
