"""hitta: ingest, extract and search Swedish, Danish and German project write-ups."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("hitta")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
