"""notebook-publish: Markdown notes in, a PDF handbook and slide decks out."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("notebook-publish")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
