// The code_interpreter tool through the official openai npm package: node code_interpreter.mjs <base_url>
// Prints one JSON line with what it observed; exits non-zero on a failed assertion.
import assert from "node:assert/strict";
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "test", maxRetries: 0 });
const code = "import matplotlib.pyplot as plt\nprint(6 * 7)\nlines = plt.plot([1, 2])";
const directive = { tool_calls: [{ name: "python", arguments: { code } }], after_tools: "Done." };

const assistant = await client.beta.assistants.create({ model: "scripted", tools: [{ type: "code_interpreter" }] });
const thread = await client.beta.threads.create({
  messages: [{ role: "user", content: "SCRIPT: " + JSON.stringify(directive) }],
});
const seen = [];
let input = "";
const stream = client.beta.threads.runs
  .stream(thread.id, { assistant_id: assistant.id })
  .on("toolCallCreated", (call) => seen.push(["created", call.type]))
  .on("toolCallDelta", (delta) => {
    if (delta.code_interpreter?.input) input += delta.code_interpreter.input;
    for (const output of delta.code_interpreter?.outputs ?? []) seen.push(["output", output.type]);
  })
  .on("toolCallDone", (call) => seen.push(["done", call.code_interpreter.outputs.map((o) => o.type)]))
  .on("imageFileDone", (image) => seen.push(["image", image.file_id]));
const run = await stream.finalRun();
assert.equal(run.status, "completed");
assert.equal(input, code);
const [message] = await stream.finalMessages();
assert.deepEqual(message.content.map((c) => c.type), ["image_file", "text"]);
const steps = await client.beta.threads.runs.steps.list(run.id, { thread_id: thread.id, order: "asc" });
const call = steps.data[0].step_details.tool_calls[0];
assert.equal(call.code_interpreter.input, code);
assert.equal(call.code_interpreter.outputs[0].logs, "42");
const png = Buffer.from(await (await client.files.content(call.code_interpreter.outputs[1].image.file_id)).arrayBuffer());
assert.equal(png.subarray(1, 4).toString(), "PNG");
console.log(JSON.stringify({ seen, imageInMessage: message.content[0].image_file.file_id }));
