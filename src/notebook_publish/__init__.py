"""notebook-publish: Markdown notes in, a PDF handbook and slide decks out."""


def __getattr__(name: str) -> str:
    # Looked up only when asked for (`--version`): importlib.metadata costs tens of
    # milliseconds, and a rebuild that finds nothing to do should take a few.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("notebook-publish")
        except PackageNotFoundError:  # running from a source tree that was never installed
            return "0.0.0"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
