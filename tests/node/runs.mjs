// Runs through the official openai npm package: node runs.mjs <base_url>
// Prints one JSON line with what it observed; exits non-zero on a failed assertion.
import assert from "node:assert/strict";
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "test", maxRetries: 0 });
const script = (directive) => "SCRIPT: " + JSON.stringify(directive);
const textOf = (message) => message.content.filter((c) => c.type === "text").map((c) => c.text.value).join("");
const weather = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

const assistant = await client.beta.assistants.create({ model: "scripted-model", tools: [weather] });

// createAndRunPoll
const polled = await client.beta.threads.createAndRunPoll(
  { assistant_id: assistant.id, thread: { messages: [{ role: "user", content: "hello from node" }] } },
  { pollIntervalMs: 50 },
);
assert.equal(polled.status, "completed");
const replies = await client.beta.threads.messages.list(polled.thread_id, { run_id: polled.id });
assert.equal(textOf(replies.data[0]), "hello from node");

// runs.stream: event order and the rebuilt message
const thread = await client.beta.threads.create({ messages: [{ role: "user", content: script({ text: "streamed in node" }) }] });
const events = [];
const deltas = [];
const stream = client.beta.threads.runs
  .stream(thread.id, { assistant_id: assistant.id })
  .on("event", (e) => events.push(e.event))
  .on("textDelta", (delta) => deltas.push(delta.value));
const streamedRun = await stream.finalRun();
const [message] = await stream.finalMessages();
assert.equal(streamedRun.status, "completed");
assert.equal(textOf(message), "streamed in node");
assert.deepEqual(deltas, ["streamed ", "in ", "node"]);

// the function round trip, streamed both ways
await client.beta.threads.messages.create(thread.id, {
  role: "user",
  content: script({ tool_calls: [{ name: "get_weather", arguments: { city: "Lima" } }] }),
});
const calling = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
const toolCallsDone = [];
calling.on("toolCallDone", (call) => toolCallsDone.push(call));
const waiting = await calling.finalRun();
assert.equal(waiting.status, "requires_action");
const [call] = waiting.required_action.submit_tool_outputs.tool_calls;
assert.deepEqual(JSON.parse(call.function.arguments), { city: "Lima" });
assert.equal(toolCallsDone.length, 1);
assert.equal(toolCallsDone[0].id, call.id);
const submitted = client.beta.threads.runs.submitToolOutputsStream(waiting.id, {
  thread_id: thread.id,
  tool_outputs: [{ tool_call_id: call.id, output: "warm" }],
});
const submitEvents = [];
submitted.on("event", (e) => submitEvents.push(e.event));
const done = await submitted.finalRun();
const [answer] = await submitted.finalMessages();
assert.equal(done.status, "completed");
assert.equal(textOf(answer), "Tool outputs: warm");

console.log(JSON.stringify({ events, submitEvents, polled: polled.status, done: done.status }));
