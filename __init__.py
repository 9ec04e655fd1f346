"""hitta: ingest, extract and search Swedish, Danish and German project write-ups."""

__all__ = ["Hitta", "HittaError", "__version__"]


def __getattr__(name: str) -> object:
    """Import the library object and the version on first use, so `import hitta` stays light."""
    if name == "__version__":  # looked up on first use: importlib.metadata costs ~50 ms per process
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("hitta")
        except PackageNotFoundError:  # running from a source tree that was never installed
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    if name in ("Hitta", "HittaError"):
        from hitta import library

        return getattr(library, name)
    raise AttributeError(f"module 'hitta' has no attribute {name!r}")
