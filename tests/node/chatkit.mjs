// The ChatKit REST face through the official openai npm package:
// node chatkit.mjs <base_url> <assistant_id> <user> <thread_id>
// Prints one JSON line with what it observed; exits non-zero on a failed assertion.
import assert from "node:assert/strict";
import OpenAI from "openai";

const [baseURL, assistantId, user, threadId] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "test", maxRetries: 0 });

const session = await client.beta.chatkit.sessions.create({ user, workflow: { id: assistantId, version: "2" } });
assert.match(session.id, /^cksess_/);
assert.equal(session.workflow.version, "2");
const cancelled = await client.beta.chatkit.sessions.cancel(session.id);
assert.equal(cancelled.status, "cancelled");

const threads = [];
for await (const thread of client.beta.chatkit.threads.list({ user, limit: 1 })) threads.push(thread.id);
const thread = await client.beta.chatkit.threads.retrieve(threadId);
const items = [];
for await (const item of client.beta.chatkit.threads.listItems(threadId, { order: "asc", limit: 1 })) items.push(item);

let missing = null;
try {
  await client.beta.chatkit.threads.retrieve("cthr_missing");
} catch (error) {
  missing = error.status;
}
const deleted = await client.beta.chatkit.threads.delete(threadId);
console.log(JSON.stringify({
  threads, title: thread.title, items: items.map((i) => [i.type, i.content?.[0]?.text]), missing,
  deleted: [deleted.object, deleted.deleted],
}));
