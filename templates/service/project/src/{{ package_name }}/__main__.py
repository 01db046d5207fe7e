"""`python -m <package>` runs the server; settings come from the environment."""

from __future__ import annotations

import logging
import sys

from .settings import Settings, SettingsError


def main() -> None:
    """Start the server; SIGTERM drains in-flight requests for up to GRACEFUL_TIMEOUT seconds."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"error: {exc}")
    from .device import DeviceError, resolve_device

    try:
        # Before anything starts: a GPU pod without a usable GPU must fail, not run on the CPU.
        resolve_device(settings.device)
    except DeviceError as exc:
        sys.exit(f"error: {exc}")
    from .app import create_app
    from .lifecycle import Lifecycle
    from .server import serve

    level = "DEBUG" if settings.log_level == "trace" else settings.log_level.upper()
    logging.basicConfig(level=level)
    lifecycle = Lifecycle()
    started = serve(
        create_app(settings.model_path, lifecycle, settings),
        lifecycle,
        settings.graceful_timeout,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_keep_alive=settings.keep_alive,
    )
    if not started:
        sys.exit(3)  # uvicorn's code for a failed start-up (model did not load, port taken)


if __name__ == "__main__":
    main()
