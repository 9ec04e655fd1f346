"""hitta: ingest, extract and search Swedish, Danish and German project write-ups."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("hitta")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["Hitta", "HittaError", "__version__"]


def __getattr__(name: str) -> object:
    """Import the library object on first use, so `import hitta` stays light."""
    if name in ("Hitta", "HittaError"):
        from hitta import library

        return getattr(library, name)
    raise AttributeError(f"module 'hitta' has no attribute {name!r}")
