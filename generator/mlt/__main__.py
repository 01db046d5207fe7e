"""`python -m mlt`."""

from mlt.cli import main

main()
