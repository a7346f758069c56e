// The Responses API and Conversations through the official openai npm package: node responses.mjs <base_url>
// Prints one JSON line with what it observed; exits non-zero on a failed assertion.
import assert from "node:assert/strict";
import OpenAI, { toFile } from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "test", maxRetries: 0 });
const model = "scripted-model";
const script = (directive) => "SCRIPT: " + JSON.stringify(directive);
const weather = {
  type: "function", name: "get_weather", strict: true,
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
};

// responses.create, then the function call loop through previous_response_id
const created = await client.responses.create({ model, input: "hello from node", instructions: "Be brief." });
assert.equal(created.status, "completed");
assert.equal(created.output_text, "hello from node");
const asked = await client.responses.create({
  model, tools: [weather], input: script({ tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] }),
});
const call = asked.output.at(-1);
assert.equal(call.type, "function_call");
assert.deepEqual(JSON.parse(call.arguments), { city: "Oslo" });
const answered = await client.responses.create({
  model, tools: [weather], previous_response_id: asked.id,
  input: [{ type: "function_call_output", call_id: call.call_id, output: "snow" }],
});
assert.equal(answered.output_text, "Tool outputs: snow");

// responses.stream: its events and its final response, equal to the stored one
const events = [];
const deltas = [];
const stream = client.responses
  .stream({ model, input: script({ text: "streamed in node" }) })
  .on("event", (e) => events.push(e.type))
  .on("response.output_text.delta", (e) => deltas.push(e.delta));
const final = await stream.finalResponse();
const textOf = (response) => response.output.filter((o) => o.type === "message")
  .flatMap((o) => o.content).filter((c) => c.type === "output_text").map((c) => c.text).join("");
assert.equal(textOf(final), "streamed in node");
assert.deepEqual(deltas, ["streamed ", "in ", "node"]);
const stored = await client.responses.retrieve(final.id);
assert.equal(stored.output_text, "streamed in node");
// the stream helper adds `parsed` (null without a text format) to each text part: the rest is the stored response
const unparsed = (output) => JSON.parse(JSON.stringify(output, (key, value) => (key === "parsed" ? undefined : value)));
assert.deepEqual(unparsed(final.output), stored.output);
assert.equal(final.id, stored.id);
assert.deepEqual(final.usage, stored.usage);

// responses.parse with a JSON schema text format: output_parsed
const parsed = await client.responses.parse({
  model, input: "structured in node",
  text: {
    format: {
      type: "json_schema", name: "Echo", strict: true,
      schema: { type: "object", properties: { echo: { type: "string" } }, required: ["echo"], additionalProperties: false },
    },
  },
});
assert.deepEqual(parsed.output_parsed, { echo: "structured in node" });

// conversations.create with items, a response in it, items.list (paged)
const conversation = await client.conversations.create({
  metadata: { topic: "node" }, items: [{ role: "user", content: "My name is Ada." }],
});
assert.ok(conversation.id.startsWith("conv_"));
await client.responses.create({ model, conversation: conversation.id, input: "and in the conversation" });
const items = [];
for await (const item of client.conversations.items.list(conversation.id, { order: "asc", limit: 1 })) {
  items.push([item.type, item.role, item.content[0].text]);
}
assert.deepEqual(items, [
  ["message", "user", "My name is Ada."],
  ["message", "user", "and in the conversation"],
  ["message", "assistant", "and in the conversation"],
]);

// containers and their files: create, upload (multipart), list, content, delete
const container = await client.containers.create({ name: "node-box" });
assert.ok(container.id.startsWith("cntr_") && container.status === "running");
const uploaded = await client.containers.files.create(container.id, {
  file: await toFile(Buffer.from("a,b\n1,2\n"), "data.csv"),
});
assert.equal(uploaded.path, "/mnt/data/data.csv");
assert.equal(uploaded.source, "user");
const listed = [];
for await (const file of client.containers.files.list(container.id)) listed.push(file.id);
assert.deepEqual(listed, [uploaded.id]);
const content = await client.containers.files.content.retrieve(uploaded.id, { container_id: container.id });
assert.equal(await content.text(), "a,b\n1,2\n");
await client.containers.delete(container.id);
let gone;
try {
  await client.containers.retrieve(container.id);
} catch (caught) {
  gone = caught;
}
assert.ok(gone instanceof OpenAI.NotFoundError);

// errors carry the OpenAI error body
let error;
try {
  await client.responses.retrieve("resp_nope");
} catch (caught) {
  error = caught;
}
assert.ok(error instanceof OpenAI.NotFoundError);

console.log(JSON.stringify({ events, parsed: parsed.output_parsed, items: items.length, status: error.status,
                              container: listed.length }));
