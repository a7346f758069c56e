"""openbeta: a self-hosted implementation of OpenAI's beta API family, and a Python SDK for it.

``from openbeta import OpenBeta`` gives the SDK; the server lives in ``openbeta.server``.
"""

from ._version import __version__
from .client import *  # noqa: F401,F403
from .client import __all__ as _client_all

__all__ = ["__version__", *_client_all]
