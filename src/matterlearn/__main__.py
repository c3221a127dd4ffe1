"""``python -m matterlearn`` runs the command line."""

from .cli import main

main()
