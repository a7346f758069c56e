"""How well each installed local model does the jobs runs give it, through the server and the official SDK.

    python bench/model_quality.py [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b] [--tasks tool,file_search,...]
                                  [--temperature 0] [--out FILE]
    python bench/model_quality.py --readme 10 [--models qwen2.5-coder-0.5b]
    python bench/model_quality.py --speed [model_speed.py's options]

One ``openbeta serve`` (local provider, SQLite, the local embedder, the bubblewrap code interpreter)
answers every run; ``model`` on each assistant picks the model. Tasks, each run once per variant:

- ``plain`` (3): a question answered in text; the expected word must be in the reply;
- ``tool`` (22): weather questions in everyday phrasings ("right now", "in <city>", "could you check",
  lower case, typos) with a ``get_weather`` function under ``tool_choice: auto``: the call must come,
  with the city; ``tool+answer``: given the tool's output, the answer must repeat its temperature;
- ``no tool`` (10): questions that need no tool, with the same function offered: no call, and the
  expected word in the answer;
- ``file_search`` (10): questions over five uploaded files (one the README's example, one long enough
  to be cut into overlapping chunks), file_search under ``auto``: the answer must state the fact in
  words, carry a ``file_citation`` to that file and be more than markers, under 400 characters;
- ``code`` (6): code_interpreter (forced, as in the README's example) for arithmetic, a Fibonacci
  number, linear equations and a chart saved to /mnt/data: the answer must hold the right value (the
  chart: a PNG written), and the last call's code must have run without an error;
- ``json_schema`` (3): valid under the schema, right values.

Every reply is checked for chat-template text (``<|im_start|>``, ``<tool_response>`` ...), which fails
its task. Prints, per model: pass counts and median wall time per task, then every failure.
``--readme N`` runs the README's examples as printed (file_search and code_interpreter), N times each,
each on a new server thread, and prints how often each gave the right answer.
``--speed`` runs ``bench/model_speed.py`` (thread policies, quiet and busy, and openbeta's overhead).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import jsonschema
import openai

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import SRC, free_port, stop, wait_until_up  # noqa: E402

ROOT = SRC.parent
TEMPLATE_TEXT = re.compile(r"<\|[a-z_]+\|>|</?tool_(call|response)>|</?tools>")
MARKER = re.compile(r"【[^】]*】")
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}},
                   "required": ["city"]}}}
PLAIN = [("What is the capital of France? Answer in one short sentence.", "paris"),
         ("Which planet is known as the Red Planet? Answer in one short sentence.", "mars"),
         ("What is the largest ocean on Earth? Answer in one short sentence.", "pacific")]
#: (question, city the call must name, the tool's output, what the answer must repeat)
TOOL = [
    ("What's the weather in Lisbon right now?", "lisbon", "Sunny, 24 degrees Celsius.", "24"),
    ("What is the weather like in Paris today?", "paris", "Sunny, 21 degrees Celsius.", "21"),
    ("What is the temperature in Tokyo right now?", "tokyo", "Light rain, 14 degrees Celsius.", "14"),
    ("How warm is it in Cairo at the moment?", "cairo", "Clear sky, 33 degrees Celsius.", "33"),
    ("Could you check the weather in Berlin for me?", "berlin", "Cloudy, 12 degrees Celsius.", "12"),
    ("whats the weather in madrid", "madrid", "Sunny, 28 degrees Celsius.", "28"),
    ("Is it raining in London?", "london", "Drizzle, 11 degrees Celsius.", "11"),
    ("weather in oslo?", "oslo", "Snow, -3 degrees Celsius.", "-3"),
    ("Do I need an umbrella in Dublin today?", "dublin", "Heavy rain, 9 degrees Celsius.", "9"),
    ("How cold is it in Moscow right now?", "moscow", "Clear, -12 degrees Celsius.", "-12"),
    ("Can you tell me the current weather in Sydney?", "sydney", "Sunny, 26 degrees Celsius.", "26"),
    ("what's the wether like in Rome rn?", "rome", "Partly cloudy, 19 degrees Celsius.", "19"),
    ("Please look up the weather for Toronto.", "toronto", "Windy, 7 degrees Celsius.", "7"),
    ("Is it sunny in Barcelona?", "barcelona", "Sunny, 25 degrees Celsius.", "25"),
    ("I'm flying to Athens tomorrow, how's the weather there now?", "athens", "Hot, 31 degrees Celsius.", "31"),
    ("Check the weather in Nairobi.", "nairobi", "Mild, 22 degrees Celsius.", "22"),
    ("hows the temprature in chicago", "chicago", "Cold, 2 degrees Celsius.", "2"),
    ("What's it like outside in Vienna right now?", "vienna", "Foggy, 6 degrees Celsius.", "6"),
    ("Could you check if it's snowing in Helsinki?", "helsinki", "Snowing, -5 degrees Celsius.", "-5"),
    ("Tell me the weather in Buenos Aires.", "buenos aires", "Humid, 27 degrees Celsius.", "27"),
    ("weather for seattle pls", "seattle", "Rain, 10 degrees Celsius.", "10"),
    ("Is it hot in Dubai today?", "dubai", "Very hot, 41 degrees Celsius.", "41"),
]
#: (question, a pattern the answer must match)
NO_TOOL = [("What is 12 times 12?", r"144"), ("Who wrote the play Romeo and Juliet?", r"shakespeare"),
           ("How many days are there in a week?", r"\b7\b|seven"), ("What is the capital of France?", r"paris"),
           ("What is the boiling point of water in Celsius?", r"100"),
           ("How many legs does a spider have?", r"\b8\b|eight"), ("What does CPU stand for?", r"processing"),
           ("Translate 'thank you' into French.", r"merci"), ("What is the square root of 81?", r"\b9\b|nine"),
           ("Which planet is closest to the Sun?", r"mercury")]
README_NOTE = "The quarterly review moved to Thursday, 14 March, at 3 pm in room Lindbergh.\n"
HANDBOOK = """# Northwind Staff Handbook

## Welcome
Northwind Instruments builds weather sensors for farms, ports and small airfields. This handbook
explains how we work together: where and when we work, how we take time off, and whom to ask when
something is unclear. It replaces every earlier version and applies to all staff in every office.

## Working hours
Core hours are 10:00 to 15:00 on weekdays; outside them, each team agrees its own schedule. Meetings
are not booked before 09:30 or after 16:30. Overtime is agreed in advance with your team lead and is
paid at one and a half times the usual rate, or taken as time off within three months.

## Remote work
Employees may work remotely up to three days a week. The other days are spent in the office of your
team, so that people who rely on each other meet in person regularly. Working from another country is
allowed for at most four weeks a year and must be agreed with Human Resources first, because of tax
and insurance rules. Home office equipment (a screen, a chair and a headset) is paid up to 600 euros
once every three years.

## Holidays and leave
Everyone has 28 days of paid holiday a year, plus public holidays. Up to five unused days may be
carried over into the next year; they lapse at the end of March. Sick leave needs a doctor's note from
the fourth day. Parents receive 16 weeks of paid parental leave, which can be taken in up to three
blocks during the child's first two years. Volunteering for a charity gives two extra paid days a year.

## Equipment and security
Laptops are encrypted and must be locked when you leave your desk. Lost or stolen devices are reported
to the service desk within one hour, at any time of day. Passwords are at least fourteen characters
long and are never shared, not even with the service desk. Visitors are signed in at reception and
accompanied in every area behind it.

## Travel
Train travel is preferred for journeys under six hours. Flights are booked in economy class through the
travel desk, and hotel nights are reimbursed up to 140 euros in most cities and 190 euros in London,
Paris and Zurich. Meals on travel days are covered by a daily allowance of 45 euros.

## Learning
Every employee has a learning budget of 1,500 euros a year for courses, books and conferences, and may
spend up to five working days a year on training. Mentoring is offered to every new starter for their
first six months; ask Human Resources to be matched with a mentor.

## Whom to ask
Questions about pay and leave go to Human Resources (hr@northwind.example). Questions about laptops and
accounts go to the service desk (extension 4400). Anything else: your team lead, or the office manager
of your site.
"""
FILES = {
    "notes.txt": README_NOTE,
    "vessel-log.txt": "Ship log of the research vessel Calypso Nine. The captain of the Calypso Nine is Mara "
                      "Lindqvist. The vessel docks at Port Elwin every Thursday to load supplies.",
    "garden-club.txt": "Minutes of the Brookfield garden club. The club's prize-winning pumpkin in 2024 weighed "
                       "412 kilograms and was grown by Tomasz Weller behind the old mill.",
    "recipe-card.txt": "Grandmother Ilse's plum cake needs 600 grams of plums, 250 grams of flour and a spoon "
                       "of cardamom. It bakes for 45 minutes at 180 degrees.",
    "handbook.md": HANDBOOK,
}
#: (question, a pattern the answer must match, the file it must cite)
SEARCH = [("When is the quarterly review?", r"14 march|march 14|thursday", "notes.txt"),
          ("In which room is the quarterly review held?", r"lindbergh", "notes.txt"),
          ("Who is the captain of the Calypso Nine?", r"lindqvist", "vessel-log.txt"),
          ("Where does the Calypso Nine dock?", r"elwin", "vessel-log.txt"),
          ("How much did the Brookfield garden club's prize pumpkin weigh?", r"412", "garden-club.txt"),
          ("Who grew the prize-winning pumpkin?", r"weller", "garden-club.txt"),
          ("How long does Grandmother Ilse's plum cake bake?", r"45", "recipe-card.txt"),
          ("How many grams of plums go into the plum cake?", r"600", "recipe-card.txt"),
          ("How many days a week can employees work remotely?", r"\b3\b|three", "handbook.md"),
          ("How many weeks of paid parental leave do parents get?", r"16|sixteen", "handbook.md")]
CODE_INSTRUCTIONS = "You are a math tutor. Write and run Python code to answer math questions."
#: (question, a pattern the answer must match; ``None``: a PNG must be written)
CODE = [("What is 2 to the power of 64?", r"18,?446,?744,?073,?709,?551,?616"),
        ("What is 123456 times 654321?", r"80,?779,?853,?376"),
        ("What is the 30th Fibonacci number, where F(1) = F(2) = 1?", r"832,?040"),
        ("Solve 3x + 11 = 14 for x.", r"x\s*=\s*1(\.0+)?\b|\bis 1(\.0+)?\b|\b1(\.0+)?\.?$"),
        ("Solve for x and y: x + y = 10 and x - y = 4.", r"7.*3"),
        ("Make a bar chart of these monthly sales: January 120, February 150, March 90. "
         "Save it as /mnt/data/sales.png.", None)]
PLACE = {"type": "object", "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
         "required": ["city", "country"], "additionalProperties": False}
JSON_TASKS = [("Which city is the capital of Japan?", "tokyo", "japan"),
              ("Which city is the capital of Italy?", "rome", "italy"),
              ("Which city is the capital of Canada?", "ottawa", "canada")]
TASKS = ["plain", "tool", "tool+answer", "no tool", "file_search", "code", "json_schema"]


def start_server(data_dir: Path, context: int, extra: dict[str, str]) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update(PYTHONPATH=str(SRC), OPENBETA_PORT=str(port), OPENBETA_DATA_DIR=str(data_dir),
               OPENBETA_PROVIDER="local", OPENBETA_LOCAL_CONTEXT_SIZE=str(context), OPENBETA_LOG_LEVEL="warning",
               OPENBETA_VOICE="none", **extra)
    process = subprocess.Popen([sys.executable, "-m", "openbeta.cli", "serve"], env=env)
    wait_until_up(f"http://127.0.0.1:{port}/health", process, "openbeta serve")
    return f"http://127.0.0.1:{port}/v1", process


def digits(text: str) -> str:
    return text.replace("\u202f", "").replace("\u2009", "")


class Bench:
    def __init__(self, client: openai.OpenAI, temperature: float | None) -> None:
        self.client = client
        self.temperature = temperature
        self.results: dict[tuple[str, str], list[bool]] = {}
        self.times: dict[tuple[str, str], list[float]] = {}
        self.failures: list[str] = []

    def record(self, model: str, task: str, ok: bool, seconds: float, detail: str) -> None:
        self.results.setdefault((model, task), []).append(ok)
        self.times.setdefault((model, task), []).append(seconds)
        line = f"  {model:20s} {task:12s} {'pass' if ok else 'FAIL'} {seconds:6.1f}s  {detail[:150 if ok else 300]!r}"
        print(line, flush=True)
        if not ok:
            self.failures.append(line.strip())

    def run(self, assistant: str, text: str, **options):
        thread = self.client.beta.threads.create(messages=[{"role": "user", "content": text}])
        if self.temperature is not None:
            options.setdefault("temperature", self.temperature)
        started = time.perf_counter()
        run = self.client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant,
                                                           poll_interval_ms=50, **options)
        return thread, run, time.perf_counter() - started

    def reply(self, thread_id: str, run_id: str):
        data = self.client.beta.threads.messages.list(thread_id, run_id=run_id).data
        texts = [part.text for part in data[0].content if part.type == "text"] if data else []
        return texts[0] if texts else None

    def thread_text(self, thread_id: str) -> str:
        return " ".join(part.text.value for m in self.client.beta.threads.messages.list(thread_id).data
                        for part in m.content if part.type == "text")

    def model(self, model: str, store_id: str, file_ids: dict[str, str], tasks: set[str]) -> None:
        c = self.client
        if "plain" in tasks:
            plain = c.beta.assistants.create(model=model, instructions="Answer briefly.").id
            for question, word in PLAIN:
                thread, run, seconds = self.run(plain, question)
                text = self.reply(thread.id, run.id)
                value = text.value if text else ""
                ok = run.status == "completed" and word in value.lower() and not TEMPLATE_TEXT.search(value)
                self.record(model, "plain", ok, seconds, f"{run.status}: {value}")
        tools = c.beta.assistants.create(model=model, instructions="Answer briefly. Use the tools when needed.",
                                         tools=[WEATHER]).id
        if "tool" in tasks:
            for question, city, output, number in TOOL:
                self.tool(model, tools, question, city, output, number)
        if "no tool" in tasks:
            for question, pattern in NO_TOOL:
                thread, run, seconds = self.run(tools, question, tool_choice="auto")
                text = self.reply(thread.id, run.id) if run.status == "completed" else None
                value = text.value if text else ""
                calls = run.required_action.submit_tool_outputs.tool_calls if run.required_action else []
                ok = run.status == "completed" and bool(re.search(pattern, value.lower())) \
                    and not TEMPLATE_TEXT.search(value)
                self.record(model, "no tool", ok, seconds,
                            f"{run.status}: {value or [(x.function.name, x.function.arguments) for x in calls]}")
                if calls:
                    c.beta.threads.runs.cancel(run_id=run.id, thread_id=thread.id)
        if "file_search" in tasks:
            search = c.beta.assistants.create(
                model=model, instructions="Answer questions about the user's files briefly, citing them.",
                tools=[{"type": "file_search"}], tool_resources={"file_search": {"vector_store_ids": [store_id]}}).id
            for question, pattern, name in SEARCH:
                thread, run, seconds = self.run(search, question, tool_choice="auto")
                text = self.reply(thread.id, run.id) if run.status == "completed" else None
                value = text.value if text else ""
                cited = {a.file_citation.file_id for a in (text.annotations if text else [])
                         if a.type == "file_citation"}
                words = MARKER.sub("", value).strip()
                ok = bool(re.search(pattern, words.lower())) and file_ids[name] in cited and len(value) < 400 \
                    and not TEMPLATE_TEXT.search(value)
                self.record(model, "file_search", ok, seconds, f"{run.status} cited={len(cited)}: {value}")
        if "code" in tasks:
            tutor = c.beta.assistants.create(model=model, instructions=CODE_INSTRUCTIONS,
                                             tools=[{"type": "code_interpreter"}]).id
            for question, pattern in CODE:
                self.code(model, tutor, question, pattern)
        if "json_schema" in tasks:
            as_json = c.beta.assistants.create(
                model=model, instructions="Reply with a JSON object with keys city and country.",
                response_format={"type": "json_schema", "json_schema": {"name": "place", "schema": PLACE,
                                                                        "strict": True}}).id
            for question, city, country in JSON_TASKS:
                thread, run, seconds = self.run(as_json, question)
                text = self.reply(thread.id, run.id)
                ok = False
                try:
                    value: Any = json.loads(text.value if text else "")
                    jsonschema.validate(value, PLACE)
                    ok = value["city"].lower() == city and value["country"].lower() == country
                except (ValueError, jsonschema.ValidationError):
                    value = text.value if text else ""
                self.record(model, "json_schema", ok and run.status == "completed", seconds, f"{run.status}: {value}")

    def tool(self, model: str, assistant: str, question: str, city: str, output: str, number: str) -> None:
        thread, run, seconds = self.run(assistant, question, tool_choice="auto")
        calls = run.required_action.submit_tool_outputs.tool_calls if run.status == "requires_action" else []
        called = [call for call in calls if call.function.name == "get_weather"]
        ok = bool(called) and city in called[0].function.arguments.lower()
        text = self.reply(thread.id, run.id) if run.status == "completed" else None
        self.record(model, "tool", ok, seconds,
                    f"{run.status}: {[(x.function.name, x.function.arguments) for x in calls] or (text and text.value)}")
        if not calls:
            self.record(model, "tool+answer", False, 0.0, "no call")
            return
        started = time.perf_counter()
        run = self.client.beta.threads.runs.submit_tool_outputs_and_poll(
            run_id=run.id, thread_id=thread.id, poll_interval_ms=50,
            tool_outputs=[{"tool_call_id": call.id, "output": output} for call in calls])
        text = self.reply(thread.id, run.id)
        value = text.value if text else ""
        ok = run.status == "completed" and re.search(rf"(?<![\d-]){re.escape(number)}(?!\d)", value) is not None \
            and not TEMPLATE_TEXT.search(self.thread_text(thread.id))
        self.record(model, "tool+answer", ok, time.perf_counter() - started, f"{run.status}: {value}")

    def code(self, model: str, assistant: str, question: str, pattern: str | None) -> None:
        thread, run, seconds = self.run(assistant, question, tool_choice={"type": "code_interpreter"})
        text = self.reply(thread.id, run.id) if run.status == "completed" else None
        value = digits(text.value) if text else ""
        steps = self.client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
        calls = [call.code_interpreter for step in steps if step.type == "tool_calls"
                 for call in step.step_details.tool_calls if call.type == "code_interpreter"]
        logs = [o.logs for o in calls[-1].outputs if o.type == "logs"] if calls else []
        ran = bool(calls) and not any("Traceback" in log or "Error:" in log for log in logs)
        if pattern is None:
            written = [f for f in self.client.files.list(purpose="assistants_output").data
                       if f.filename.endswith(".png") and f.created_at >= int(time.time() - seconds - 5)]
            ok = run.status == "completed" and ran and bool(written)
        else:
            ok = run.status == "completed" and ran and re.search(pattern, value.lower()) is not None
        tries = " then ".join(repr(call.input[:60]) for call in calls)
        error = "" if ran or not logs else f" [last call's logs end: {logs[-1].strip()[-100:]!r}]"
        self.record(model, "code", ok, seconds, f"{run.status} ({len(calls)} call(s): {tries}){error}: {value}")

    def table(self, models: list[str]) -> str:
        lines = ["| model | " + " | ".join(TASKS) + " | all |", "| --- | " + " | ".join("---:" for _ in TASKS) + " | ---: |"]
        for model in models:
            cells, passed, total = [], 0, 0
            for task in TASKS:
                outcome = self.results.get((model, task), [])
                passed += sum(outcome)
                total += len(outcome)
                cells.append(f"{sum(outcome)}/{len(outcome)}" if outcome else "-")
            lines.append(f"| {model} | " + " | ".join(cells) + f" | {passed}/{total} |")
        lines += ["", "Wall time per task, seconds (median / max):", "",
                  "| model | " + " | ".join(TASKS) + " |", "| --- | " + " | ".join("---:" for _ in TASKS) + " |"]
        for model in models:
            cells = []
            for task in TASKS:
                times = [t for t in self.times.get((model, task), []) if t > 0]
                cells.append(f"{statistics.median(times):.1f} / {max(times):.1f}" if times else "-")
            lines.append(f"| {model} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def readme_examples(base: str, model: str, times: int) -> str:
    """The README's file_search and code_interpreter examples as printed, ``times`` times each."""
    text = (ROOT / "README.md").read_text()
    sdk = text.split("## Use it with the official SDK", 1)[1].split("\n## ", 1)[0]
    first, search = re.findall(r"```python\n(.*?)```", sdk, re.S)[:2]
    section = text.split("### code_interpreter", 1)[1].split("\n### ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    client = f'from openai import OpenAI\nclient = OpenAI(base_url="{base}", api_key="anything", timeout=600)\n'
    checks: list[tuple[str, str, Callable[[str], bool]]] = [
        ("first example", first.replace('base_url="http://127.0.0.1:8000/v1"', f'base_url="{base}"'),
         lambda out: "completed" in out and "assistant " in out),
        ("file_search", client + search,
         lambda out: re.search(r"14 march|march 14|thursday", MARKER.sub("", out.splitlines()[-1]).lower()) is not None
         and "'file-" in out.splitlines()[-1]),
        ("code_interpreter", client + code,
         lambda out: "18446744073709551616" in digits(out.splitlines()[-1]).replace(",", "")),
    ]
    lines = ["| example | right | wall time, s (median / max) |", "| --- | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as work:
        for name, program, right in checks:
            program = program.replace('model="qwen2.5-coder-0.5b"', f'model="{model}"')
            good, spent = 0, []
            for attempt in range(times):
                started = time.perf_counter()
                out = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-c", program], cwd=work,
                                     capture_output=True, text=True, timeout=900)
                spent.append(time.perf_counter() - started)
                ok = out.returncode == 0 and bool(out.stdout.strip()) and right(out.stdout)
                good += ok
                last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-300:]
                print(f"  {name:16s} {attempt + 1:2d} {'right' if ok else 'WRONG'} {spent[-1]:6.1f}s  {last[:150]!r}",
                      flush=True)
            lines.append(f"| {name} | {good}/{times} | {statistics.median(spent):.1f} / {max(spent):.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="qwen2.5-coder-0.5b,qwen2.5-coder-1.5b")
    parser.add_argument("--tasks", default=",".join(TASKS), help="a comma-separated subset of: " + ", ".join(TASKS))
    parser.add_argument("--context", type=int, default=8192)
    parser.add_argument("--temperature", type=float, default=0.0,
                        help="each run's temperature (-1: none given, the server's default)")
    parser.add_argument("--readme", type=int, default=0, help="run the README's examples this many times instead")
    parser.add_argument("--env", action="append", default=[], help="OPENBETA_X=value for the server (repeatable)")
    parser.add_argument("--out", help="also write the tables to this file")
    parser.add_argument("--speed", action="store_true", help="run bench/model_speed.py with the other arguments")
    args, rest = parser.parse_known_args()
    if args.speed:
        raise SystemExit(subprocess.call([sys.executable, str(Path(__file__).with_name("model_speed.py")), *rest]))
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    tasks = {t.strip() for t in args.tasks.split(",")}
    extra = dict(item.split("=", 1) for item in args.env)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as data_dir:
        base, process = start_server(Path(data_dir), args.context, extra)
        try:
            if args.readme:
                tables = [f"{model}:\n\n{readme_examples(base, model, args.readme)}" for model in models]
                table = "\n\n".join(tables)
            else:
                client = openai.OpenAI(base_url=base, api_key="bench", max_retries=0, timeout=900)
                file_ids = {name: client.files.create(file=(name, text.encode()), purpose="assistants").id
                            for name, text in FILES.items()}
                store = client.vector_stores.create(name="bench", file_ids=list(file_ids.values()))
                while client.vector_stores.retrieve(store.id).file_counts.in_progress:
                    time.sleep(0.2)
                bench = Bench(client, None if args.temperature < 0 else args.temperature)
                for model in models:
                    print(f"{model}:", flush=True)
                    bench.model(model, store.id, file_ids, tasks)
                table = bench.table(models) + "\n\nFailures:\n" + "\n".join(bench.failures)
        finally:
            stop(process)
    table += f"\n\nload average at the end: {os.getloadavg()}"
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")


if __name__ == "__main__":
    main()
