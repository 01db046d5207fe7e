"""mlt: the paved road for ML projects."""

from __future__ import annotations

# Nothing heavy here: the `mlt` script imports this package before its main() can catch a
# Ctrl-C, so this stays a few statements (no `typing`: it alone takes 10-20 ms).
import _signal
import os
import sys

__all__ = ["__version__"]


def _exit_interrupted(signum: int, frame: object) -> None:
    # Ctrl-C while mlt's modules load: nothing has been done yet, so no traceback either.
    os.write(2, b"error: interrupted\n")
    if "--json" in sys.argv:
        os.write(1, b'{\n  "error": "interrupted",\n  "exit_code": 130\n}\n')
    os._exit(130)


def quiet_interrupts() -> object:
    """While a module loads: Ctrl-C exits 130 quietly. Returns what `restore` puts back
    (only Python's default handler is replaced; other threads cannot change handlers)."""
    try:
        if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
            return _signal.signal(_signal.SIGINT, _exit_interrupted)
    except ValueError:
        pass
    return None


def restore_interrupts(previous: object) -> None:
    """Put back the handler `quiet_interrupts` replaced, unless this process is the `mlt`
    command, where it stays until main() takes over (a gap between two imports would let a
    Ctrl-C through as a traceback)."""
    if previous is not None and not _RUN_AS_CLI:
        _signal.signal(_signal.SIGINT, previous)


def cli_takes_over() -> None:
    """main() is ready for KeyboardInterrupt: back to Python's default handler."""
    if _signal.getsignal(_signal.SIGINT) is _exit_interrupted:
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)


# The `mlt` script, or `python -m mlt` (argv[0] is "-m" while the package is located).
_RUN_AS_CLI = (sys.argv[0] if sys.argv else "").rpartition(os.sep)[2] in ("mlt", "-m")


_previous = quiet_interrupts()


def __getattr__(name: str) -> object:
    # Resolved on first use: importlib.metadata costs ~40 ms, paid by every command otherwise.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("mlt")
        except PackageNotFoundError:  # running from a source tree without install
            value = "0.0.0+src"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


restore_interrupts(_previous)
