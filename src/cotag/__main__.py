"""`python -m cotag` runs the command line, as the `cotag` script does (useful from a source tree)."""

from cotag.cli import main

main()
