"""What sending sessions and responses from their typed shapes costs, per object, against another tree.

    python bench/realtime_render.py [--baseline OTHER/src] [--rounds 3]

Times, in a fresh process per tree (alternated ``--rounds`` times, so both share the run's load): a beta
and a GA session object (``session.created`` / ``session.updated``: once per connection and per
update), a beta response object and a GA ``response.done`` event (once per response start and end), and
a response built and ``json.dumps``-encoded (as ``emit`` does). None of them is on the per-audio-delta
path: ``response.audio.delta`` carries no object. Prints the best of 5 repeats, in microseconds, with
the load average (``os.getloadavg``) at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from servers import SRC

PROBE = r'''
import json, sys, timeit
sys.path.insert(0, sys.argv[1])
from types import SimpleNamespace
from openbeta.server.realtime import config as cfg
from openbeta.server.realtime.codec_ga import GACodec
from openbeta.server.realtime.responses import ResponseRun, usage_object
config = cfg.default_config("realtime")
run = ResponseRun(SimpleNamespace(config=config, conversation_id="conv_1"), {})
run.status, run.usage = "completed", usage_object(10, 5, 2)
run.output.append({"id": "item_1", "object": "realtime.item", "type": "message", "status": "completed",
                   "role": "assistant", "content": [{"type": "text", "text": "Paris."}]})
ga = GACodec()
cases = {"session (beta)": lambda: cfg.render_beta(config, session_id="s", expires_at=1),
         "session (GA)": lambda: cfg.render_ga(config, session_id="s", expires_at=1),
         "response (beta)": run.object,
         "response.done (GA)": lambda: ga.encode("response.done", {"response": run.object()}),
         "response built and encoded": lambda: json.dumps(run.object())}
print(json.dumps({name: min(timeit.repeat(fn, number=5000, repeat=5)) / 5000 * 1e6 for name, fn in cases.items()}))
'''


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = {"this tree": str(SRC), **({"baseline": args.baseline} if args.baseline else {})}
    print(f"load average at start: {os.getloadavg()}")
    best: dict[str, dict[str, float]] = {tree: {} for tree in trees}
    for _ in range(args.rounds):
        for tree, src in trees.items():
            found = json.loads(subprocess.run([sys.executable, "-c", PROBE, src], check=True, capture_output=True,
                                              text=True).stdout)
            for name, us in found.items():
                best[tree][name] = min(us, best[tree].get(name, us))
    names = list(best["this tree"])
    print(f"{'object':24}" + "".join(f"{tree:>12}" for tree in trees))
    for name in names:
        print(f"{name:24}" + "".join(f"{best[tree][name]:>10.1f}us" for tree in trees))
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
