"""Ecluse: the operator's trust layer between its customers' data and its contact centres."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ecluse")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]
