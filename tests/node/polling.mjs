// The official openai npm package's polling helpers, WITHOUT pollIntervalMs: node polling.mjs <base_url>
// Without an openai-poll-after-ms header they sleep 5000 ms between two reads. For each helper this prints
// how long it took, every sleep the helper took between reads (the setTimeout calls of the SDK's sleep()), and
// the header of every GET it read, as one JSON line; it exits non-zero on a failed assertion.
import assert from "node:assert/strict";
import OpenAI, { toFile } from "openai";

const sleeps = [];
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = (fn, ms, ...rest) => {
  if (/[\\/]sleep\.(c|m)?js/.test(new Error().stack)) sleeps.push(ms); // the SDK's sleep, not the HTTP stack's timers
  return realSetTimeout(fn, ms, ...rest);
};
const hints = [];
const client = new OpenAI({
  baseURL: process.argv[2],
  apiKey: "test",
  maxRetries: 0,
  fetch: async (url, init) => {
    const response = await fetch(url, init);
    if ((init?.method ?? "GET") === "GET") {
      const hint = response.headers.get("openai-poll-after-ms");
      if (hint !== null) hints.push(Number(hint));
    }
    return response;
  },
});
const script = (directive) => "SCRIPT: " + JSON.stringify(directive);
const slowly = (text) => script({ text, delay: 0.08 }); // a few words, a few hundred ms in all
const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } };

const results = {};
async function measure(name, helper) {
  sleeps.length = 0;
  hints.length = 0;
  const started = performance.now();
  const value = await helper();
  results[name] = { ms: Math.round(performance.now() - started), sleeps: [...sleeps], hints: [...hints] };
  return value;
}

const assistant = await client.beta.assistants.create({ model: "scripted-model", tools: [weather] });

const thread = await client.beta.threads.create({ messages: [{ role: "user", content: slowly("one two three four") }] });
const run = await measure("createAndPoll", () =>
  client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }));
assert.equal(run.status, "completed");

const both = await measure("createAndRunPoll", () =>
  client.beta.threads.createAndRunPoll({
    assistant_id: assistant.id,
    thread: { messages: [{ role: "user", content: slowly("five six seven eight") }] },
  }));
assert.equal(both.status, "completed");

const calling = await client.beta.threads.create({
  messages: [{ role: "user", content: script({ tool_calls: [{ name: "get_weather", arguments: {} }],
                                               after_tools: "warm and dry today", delay: 0.08 }) }],
});
const waiting = await client.beta.threads.runs.createAndPoll(calling.id, { assistant_id: assistant.id },
                                                             { pollIntervalMs: 20 });
assert.equal(waiting.status, "requires_action");
const [call] = waiting.required_action.submit_tool_outputs.tool_calls;
const submitted = await measure("submitToolOutputsAndPoll", () =>
  client.beta.threads.runs.submitToolOutputsAndPoll(waiting.id, {
    thread_id: calling.id, tool_outputs: [{ tool_call_id: call.id, output: "22C" }],
  }));
assert.equal(submitted.status, "completed");

const store = await client.vectorStores.create({ name: "polling" });
const notes = Array.from({ length: 100 }, (_, i) => `Note ${i}: the review moved to room ${i}.`).join("\n");
const file = await measure("uploadAndPoll", async () =>
  client.vectorStores.files.uploadAndPoll(store.id, await toFile(Buffer.from(notes), "notes.txt")));
assert.equal(file.status, "completed");

const uploaded = [];
for (let i = 0; i < 4; i++) {
  uploaded.push(await client.files.create({ file: await toFile(Buffer.from(notes + i), `n${i}.txt`),
                                            purpose: "assistants" }));
}
const batch = await measure("fileBatches.createAndPoll", () =>
  client.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: uploaded.map((f) => f.id) }));
assert.equal(batch.status, "completed");
assert.equal(batch.file_counts.completed, 4);

console.log(JSON.stringify(results));
