"""`python -m <package>` runs the server; settings come from the environment."""

from __future__ import annotations

import logging
import sys

from .settings import Settings, SettingsError


def main() -> None:
    """Start uvicorn; SIGTERM drains in-flight requests for GRACEFUL_TIMEOUT seconds."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"error: {exc}")
    import uvicorn

    from .app import create_app

    level = "DEBUG" if settings.log_level == "trace" else settings.log_level.upper()
    logging.basicConfig(level=level)
    uvicorn.run(
        create_app(settings.model_path),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=settings.graceful_timeout,
    )


if __name__ == "__main__":
    main()
