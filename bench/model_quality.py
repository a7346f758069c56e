"""How well each installed local model does the jobs runs give it, through the server and the official SDK.

    python bench/model_quality.py [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b,smollm2] [--out FILE]

One ``openbeta serve`` (local provider, SQLite, the local embedder) answers every run;
``model`` on each assistant picks the model. Fixed tasks, three variants each, temperature 0:

- ``plain``: a question answered in text (the expected word must be in the reply);
- ``tool``: a weather question with a function tool under ``tool_choice: auto`` must call it
  with the city; then, given the tool's output, the answer must repeat it (``tool+answer``);
- ``no tool``: a plain question with the same tool offered must NOT call it, and answer right;
- ``file_search``: a question about an uploaded file (file_search under ``auto``) must be answered
  with the file's fact and carry a ``file_citation`` to that file;
- ``json_schema``: the reply must be JSON valid under the schema, with the right values.

Every reply is also checked for chat-template text (``<|im_start|>``, ``<tool_response>`` ...), which fails
the task. Prints Markdown tables (pass rates, median latency, completion tokens per second of run time;
wall time per task, median and max).
``--speed`` instead measures each model's prompt and generation tokens per second in-process.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jsonschema
import openai

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import SRC, free_port, stop, wait_until_up  # noqa: E402

TEMPLATE_TEXT = re.compile(r"<\|[a-z_]+\|>|</?tool_(call|response)>|</?tools>")
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}},
                   "required": ["city"]}}}
PLAIN = [("What is the capital of France? Answer in one short sentence.", "paris"),
         ("Which planet is known as the Red Planet? Answer in one short sentence.", "mars"),
         ("What is the largest ocean on Earth? Answer in one short sentence.", "pacific")]
TOOL = [("What is the weather like in Paris today?", "paris", "Sunny, 21 degrees Celsius.", "21"),
        ("What is the temperature in Tokyo right now?", "tokyo", "Light rain, 14 degrees Celsius.", "14"),
        ("How warm is it in Cairo at the moment?", "cairo", "Clear sky, 33 degrees Celsius.", "33")]
NO_TOOL = [("What is 12 times 12?", "144"), ("Who wrote the play Romeo and Juliet?", "shakespeare"),
           ("How many days are there in a week?", "7")]
FILES = {
    "vessel-log.txt": "Ship log of the research vessel Calypso Nine. The captain of the Calypso Nine is Mara "
                      "Lindqvist. The vessel docks at Port Elwin every Thursday to load supplies.",
    "garden-club.txt": "Minutes of the Brookfield garden club. The club's prize-winning pumpkin in 2024 weighed "
                       "412 kilograms and was grown by Tomasz Weller behind the old mill.",
    "recipe-card.txt": "Grandmother Ilse's plum cake needs 600 grams of plums, 250 grams of flour and a spoon "
                       "of cardamom. It bakes for 45 minutes at 180 degrees.",
}
SEARCH = [("Who is the captain of the Calypso Nine?", "lindqvist", "vessel-log.txt"),
          ("How much did the Brookfield garden club's prize pumpkin weigh?", "412", "garden-club.txt"),
          ("How long does Grandmother Ilse's plum cake bake?", "45", "recipe-card.txt")]
PLACE = {"type": "object", "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
         "required": ["city", "country"], "additionalProperties": False}
JSON_TASKS = [("Which city is the capital of Japan?", "tokyo", "japan"),
              ("Which city is the capital of Italy?", "rome", "italy"),
              ("Which city is the capital of Canada?", "ottawa", "canada")]
TASKS = ["plain", "tool", "tool+answer", "no tool", "file_search", "json_schema"]


def start_server(data_dir: Path, context: int) -> tuple[str, object]:
    import os
    import subprocess

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update(PYTHONPATH=str(SRC), OPENBETA_PORT=str(port), OPENBETA_DATA_DIR=str(data_dir),
               OPENBETA_PROVIDER="local", OPENBETA_LOCAL_CONTEXT_SIZE=str(context), OPENBETA_LOG_LEVEL="warning")
    process = subprocess.Popen([sys.executable, "-m", "openbeta.cli", "serve"], env=env)
    wait_until_up(f"http://127.0.0.1:{port}/health", process, "openbeta serve")
    return f"http://127.0.0.1:{port}/v1", process


class Bench:
    def __init__(self, client: openai.OpenAI, variants: int = 3) -> None:
        self.client = client
        self.variants = variants
        self.results: dict[tuple[str, str], list[bool]] = {}
        self.times: dict[tuple[str, str], list[float]] = {}
        self.tokens: dict[str, list[tuple[int, float]]] = {}
        self.notes: list[str] = []

    def record(self, model: str, task: str, ok: bool, seconds: float, detail: str) -> None:
        self.results.setdefault((model, task), []).append(ok)
        self.times.setdefault((model, task), []).append(seconds)
        print(f"  {model:20s} {task:12s} {'pass' if ok else 'FAIL'} {seconds:6.1f}s  {detail[:110]!r}", flush=True)

    def run(self, model: str, assistant: str, text: str, **options):
        thread = self.client.beta.threads.create(messages=[{"role": "user", "content": text}])
        started = time.perf_counter()
        run = self.client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant,
                                                           temperature=0, poll_interval_ms=100, **options)
        seconds = time.perf_counter() - started
        if run.usage:
            self.tokens.setdefault(model, []).append((run.usage.completion_tokens, seconds))
        return thread, run, seconds

    def reply(self, thread_id: str, run_id: str):
        data = self.client.beta.threads.messages.list(thread_id, run_id=run_id).data
        return data[0].content[0].text if data else None

    def clean(self, text: str) -> bool:
        return not TEMPLATE_TEXT.search(text)

    def model(self, model: str, store_id: str, file_ids: dict[str, str]) -> None:
        c = self.client
        plain = c.beta.assistants.create(model=model, instructions="Answer briefly.").id
        tools = c.beta.assistants.create(model=model, instructions="Answer briefly. Use the tools when needed.",
                                         tools=[WEATHER]).id
        search = c.beta.assistants.create(
            model=model, instructions="Answer questions about the user's files briefly, citing them.",
            tools=[{"type": "file_search"}], tool_resources={"file_search": {"vector_store_ids": [store_id]}}).id
        as_json = c.beta.assistants.create(
            model=model, instructions="Reply with a JSON object with keys city and country.",
            response_format={"type": "json_schema", "json_schema": {"name": "place", "schema": PLACE,
                                                                    "strict": True}}).id
        for question, word in PLAIN[:self.variants]:
            thread, run, seconds = self.run(model, plain, question)
            text = self.reply(thread.id, run.id)
            value = text.value if text else ""
            self.record(model, "plain", run.status == "completed" and word in value.lower() and self.clean(value),
                        seconds, f"{run.status}: {value}")
        for question, city, output, number in TOOL[:self.variants]:
            thread, run, seconds = self.run(model, tools, question, tool_choice="auto")
            calls = run.required_action.submit_tool_outputs.tool_calls if run.status == "requires_action" else []
            called = [call for call in calls if call.function.name == "get_weather"]
            ok = bool(called) and city in called[0].function.arguments.lower()
            self.record(model, "tool", ok, seconds,
                        f"{run.status}: {[(x.function.name, x.function.arguments) for x in calls]}")
            if not calls:
                self.record(model, "tool+answer", False, 0.0, "no call")
                continue
            started = time.perf_counter()
            run = c.beta.threads.runs.submit_tool_outputs_and_poll(
                run_id=run.id, thread_id=thread.id, poll_interval_ms=100,
                tool_outputs=[{"tool_call_id": call.id, "output": output} for call in calls])
            text = self.reply(thread.id, run.id)
            value = text.value if text else ""
            self.record(model, "tool+answer", run.status == "completed" and number in value and self.clean(value),
                        time.perf_counter() - started, f"{run.status}: {value}")
        for question, word in NO_TOOL[:self.variants]:
            thread, run, seconds = self.run(model, tools, question, tool_choice="auto")
            text = self.reply(thread.id, run.id) if run.status == "completed" else None
            value = text.value if text else ""
            self.record(model, "no tool", run.status == "completed" and word in value.lower() and self.clean(value),
                        seconds, f"{run.status}: {value}")
        for question, word, name in SEARCH[:self.variants]:
            thread, run, seconds = self.run(model, search, question, tool_choice="auto")
            text = self.reply(thread.id, run.id) if run.status == "completed" else None
            value = text.value if text else ""
            cited = {a.file_citation.file_id for a in (text.annotations if text else []) if a.type == "file_citation"}
            # the fact, cited, in an answer (not a copy of the passages)
            ok = word in value.lower() and file_ids[name] in cited and self.clean(value) and len(value) < 400
            self.record(model, "file_search", ok, seconds, f"{run.status} cited={len(cited)}: {value}")
        for question, city, country in JSON_TASKS[:self.variants]:
            thread, run, seconds = self.run(model, as_json, question)
            text = self.reply(thread.id, run.id)
            ok = False
            try:
                value = json.loads(text.value if text else "")
                jsonschema.validate(value, PLACE)
                ok = value["city"].lower() == city and value["country"].lower() == country
            except (ValueError, jsonschema.ValidationError):
                value = text.value if text else ""
            self.record(model, "json_schema", ok and run.status == "completed", seconds, f"{run.status}: {value}")

    def table(self, models: list[str]) -> str:
        lines = ["| model | " + " | ".join(TASKS) + " | all | median run | completion tok/s |",
                 "| --- | " + " | ".join("---:" for _ in TASKS) + " | ---: | ---: | ---: |"]
        for model in models:
            cells, passed, total = [], 0, 0
            for task in TASKS:
                outcome = self.results.get((model, task), [])
                passed += sum(outcome)
                total += len(outcome)
                cells.append(f"{sum(outcome)}/{len(outcome)}")
            runs = [t for task in TASKS for t in self.times.get((model, task), []) if t > 0]
            tokens = self.tokens.get(model, [])
            rate = sum(n for n, _ in tokens) / max(sum(s for _, s in tokens), 1e-9)
            lines.append(f"| {model} | " + " | ".join(cells) + f" | {passed}/{total} | "
                         f"{statistics.median(runs):.1f} s | {rate:.1f} |")
        lines += ["", "Wall time per task, seconds (median / max):", "",
                  "| model | " + " | ".join(TASKS) + " |", "| --- | " + " | ".join("---:" for _ in TASKS) + " |"]
        for model in models:
            cells = []
            for task in TASKS:
                times = [t for t in self.times.get((model, task), []) if t > 0]
                cells.append(f"{statistics.median(times):.1f} / {max(times):.1f}" if times else "-")
            lines.append(f"| {model} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def speed(models: list[str], context: int) -> str:
    """Prompt and generation tokens per second of each model in-process (LocalProvider), one request each."""
    import asyncio

    sys.path.insert(0, str(SRC))
    from openbeta.server.providers import ChatRequest
    from openbeta.server.providers.local import LocalProvider

    prompt = "Summarise this text in one paragraph. " + " ".join(FILES.values()) * 3

    async def measure(provider: LocalProvider, model: str) -> tuple[float, float]:
        await provider.load(model)
        request = ChatRequest(model=model, messages=[{"role": "user", "content": prompt}], max_tokens=64,
                              temperature=0)
        started = time.perf_counter()
        first = None
        async for delta in provider.stream(request):
            if delta.text and first is None:
                first = time.perf_counter()
            if delta.usage:
                usage = delta.usage
        done = time.perf_counter()
        assert first is not None
        return usage.prompt_tokens / (first - started), (usage.completion_tokens - 1) / max(done - first, 1e-9)

    async def run() -> list[str]:
        provider = LocalProvider(context_size=context)
        rows = []
        try:
            for model in models:
                prompt_rate, gen_rate = await measure(provider, model)
                rows.append(f"| {model} | {prompt_rate:.0f} | {gen_rate:.1f} |")
        finally:
            await provider.aclose()
        return rows

    return "\n".join(["| model | prompt tok/s | generation tok/s |", "| --- | ---: | ---: |", *asyncio.run(run())])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="qwen2.5-coder-0.5b,qwen2.5-coder-1.5b,smollm2",
                        help="models, each optionally with its own number of variants: name=2,other=1")
    parser.add_argument("--context", type=int, default=8192)
    parser.add_argument("--variants", type=int, default=3, help="variants of each task (1 to 3)")
    parser.add_argument("--out", help="also write the table to this file")
    parser.add_argument("--speed", action="store_true", help="only measure each model's tokens per second")
    args = parser.parse_args()
    wanted = [m.strip().split("=") for m in args.models.split(",") if m.strip()]
    models = [m[0] for m in wanted]
    variants = {m[0]: int(m[1]) if len(m) > 1 else args.variants for m in wanted}
    if args.speed:
        print(speed(models, args.context))
        return
    with tempfile.TemporaryDirectory() as data_dir:
        base, process = start_server(Path(data_dir), args.context)
        try:
            client = openai.OpenAI(base_url=base, api_key="bench", max_retries=0, timeout=900)
            file_ids = {name: client.files.create(file=(name, text.encode()), purpose="assistants").id
                        for name, text in FILES.items()}
            store = client.vector_stores.create(name="bench", file_ids=list(file_ids.values()))
            while client.vector_stores.retrieve(store.id).file_counts.in_progress:
                time.sleep(0.2)
            bench = Bench(client, args.variants)
            for model in models:
                print(f"{model}:", flush=True)
                bench.variants = variants[model]
                bench.model(model, store.id, file_ids)
        finally:
            stop(process)  # type: ignore[arg-type]
    table = bench.table(models)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")


if __name__ == "__main__":
    main()
