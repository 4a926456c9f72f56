"""The dashboard's own settings (``LEAKDESK_WEB_*``), kept out of the core's settings."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource


class WebSettings(BaseSettings):
    """``LEAKDESK_WEB_URL`` (public base of sign-in links), ``LEAKDESK_WEB_PORT``/``_HOST``."""

    model_config = SettingsConfigDict(
        env_prefix="LEAKDESK_WEB_", toml_file="leakdesk.toml", extra="ignore"
    )

    #: unset: http://HOST:PORT of this process (http://127.0.0.1:8080 by default)
    url: str | None = None
    #: when set, ``leakdesk run`` serves the dashboard on this port too
    port: int | None = None
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        """The public base URL of sign-in links, without a trailing slash."""
        return (self.url or f"http://{self.host}:{self.port or 8080}").rstrip("/")

    @property
    def secure(self) -> bool:
        """Whether the public URL is https (cookies are then marked Secure)."""
        return self.base_url.lower().startswith("https://")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):  # type: ignore[no-untyped-def]
        """Order: explicit arguments, environment, ``leakdesk.toml``."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def configured_base_url() -> str | None:
    """The dashboard's public base URL when the operator set one up (URL or port), else None."""
    from pydantic import ValidationError

    try:
        web = WebSettings()
    except ValidationError:
        return None
    return web.base_url if (web.url or web.port) else None
