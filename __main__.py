"""`python -m hitta`: the same command-line interface as `hitta`."""

from hitta.cli import main

main()
