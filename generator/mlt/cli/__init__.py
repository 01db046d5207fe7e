"""The `mlt` command line: a thin Typer layer over the capability modules.

This package's import is kept tiny: the console script imports it before `main` runs, and a
Ctrl-C while typer, click and the commands load must still end as `error: interrupted`
(exit 130), not as a traceback. The app itself lives in `mlt.cli.root`.
"""

from __future__ import annotations

import os
import sys

from mlt import cli_takes_over, quiet_interrupts, restore_interrupts

_previous = quiet_interrupts()
__all__ = ["app", "main"]


def __getattr__(name: str) -> object:
    if name == "app":
        from mlt.cli.root import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point.

    Ends with os._exit once the command is done and its output flushed: tearing down the
    interpreter (freeing ~300 modules) takes 20-30 ms, a tenth of an `mlt update`, and mlt
    leaves nothing for atexit (temp folders go with their `with` blocks, threads are joined).
    Unexpected exceptions still propagate with their traceback.
    """
    try:
        cli_takes_over()
        code = _run(sys.argv[1:])
    except KeyboardInterrupt:  # while importing, parsing or printing: nothing was changed
        code = _interrupted(sys.argv[1:])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed pipe (`mlt diff | head`): nothing to save
            pass
    os._exit(code)


def _run(argv: list[str]) -> int:
    if argv[:1] == ["doctor"]:  # its probe starts now, while the CLI loads (doctor/prestart.py)
        from mlt.doctor import prestart

        prestart.from_argv(argv[1:])
    try:
        return _dispatch(argv)
    finally:
        if "mlt.doctor.prestart" in sys.modules:  # os._exit skips atexit: no orphan probe
            sys.modules["mlt.doctor.prestart"].discard()


def _dispatch(argv: list[str]) -> int:
    import click

    from mlt.cli.root import app

    # With --json a usage error is a JSON document too, so typer must hand it to us.
    as_json = "--json" in argv
    try:
        result = app(prog_name="mlt", standalone_mode=not as_json)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        sys.stderr.write(f"{exc.code}\n")
        return 1
    except click.ClickException as exc:
        from mlt.cli._common import report_error

        report_error(exc.format_message(), None, exc.exit_code, as_json=True)
        return exc.exit_code
    except click.Abort:
        return _interrupted(argv)
    return result if isinstance(result, int) else 0


def _interrupted(argv: list[str]) -> int:
    sys.stderr.write("error: interrupted\n")
    if "--json" in argv:
        sys.stdout.write('{\n  "error": "interrupted",\n  "exit_code": 130\n}\n')
    return 130


restore_interrupts(_previous)
