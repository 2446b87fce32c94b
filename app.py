"""Starts the web app (`assistant serve`) with settings from the environment; everything else lives in assistant/."""

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
