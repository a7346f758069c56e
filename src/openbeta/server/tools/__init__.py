"""Server tools of runs: the registry and the protocols a tool implements (``registry.py``),
``file_search`` (``file_search.py``, with the citation markers its results carry in ``markers.py``)
and ``code_interpreter`` (``code_interpreter.py``) with the sandbox mechanism below it
(``sandbox.py``, ``seccomp.py``, and ``repl.py``, the interpreter that runs inside a sandbox)."""
