"""openbeta: a self-hosted implementation of OpenAI's beta API family, and a Python SDK for it."""

from ._version import __version__

__all__ = ["__version__"]
