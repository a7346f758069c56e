// The openbeta console: a client of the public /v1 API (Preact + htm, vendored; no build step).
import { html, render, useState, useEffect, useRef, useCallback, useErrorBoundary } from "./vendor/htm-preact-standalone.js";
import { VoiceSession } from "./voice.js";

const KEY = "openbeta.api_key";

// ------------------------------------------------------------------ API client

class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status; this.code = e.code; this.param = e.param; this.type = e.type;
  }
}

const listeners = new Set();
const emit = (kind, detail) => listeners.forEach((fn) => fn(kind, detail));

function authHeaders(extra = {}) {
  const h = { "OpenAI-Beta": "assistants=v2", ...extra };
  const key = sessionStorage.getItem(KEY);
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

async function failure(response) {
  const text = await response.text();
  let body;
  try { body = JSON.parse(text); } catch { body = { error: { message: text || response.statusText } }; }
  const err = new APIError(response.status, body);
  if (response.status === 401) emit("unauthorized", err);
  return err;
}

async function api(path, { method = "GET", body } = {}) {
  const init = { method, headers: authHeaders() };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  const response = await fetch(`/v1${path}`, init);
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** POST a streaming request and yield its server-sent events as {event, data}. */
async function* stream(path, body) {
  const response = await fetch(`/v1${path}`, {
    method: "POST", body: JSON.stringify({ ...body, stream: true }),
    headers: authHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
  });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer = (buffer + value).replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      let event = "message"; const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (!data.length) continue;
      const raw = data.join("\n");
      if (raw === "[DONE]") return;
      yield { event, data: JSON.parse(raw) };
    }
  }
}

/** Upload with progress (fetch cannot report upload progress; XMLHttpRequest can). */
function upload(file, purpose, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/files");
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new Error("The upload failed (network error)."));
    xhr.onload = () => {
      let body; try { body = JSON.parse(xhr.responseText); } catch { body = { error: { message: xhr.responseText } }; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else { const err = new APIError(xhr.status, body); if (xhr.status === 401) emit("unauthorized", err); reject(err); }
    };
    const form = new FormData(); form.append("purpose", purpose); form.append("file", file);
    xhr.send(form);
  });
}

async function fileBlobURL(fileId) {
  const response = await fetch(`/v1/files/${fileId}/content`, { headers: authHeaders() });
  if (!response.ok) throw await failure(response);
  return URL.createObjectURL(await response.blob());
}

/** Shows a file (its text, or its image) in the page's file viewer. */
function openFile(fileId) { emit("open-file", fileId); }

// ------------------------------------------------------------------ small pieces

const fmtTime = (t) => (t ? new Date(t * 1000).toLocaleString() : "–");
const secs = (a, b) => (a && b ? `${Math.max(0, b - a)} s` : "");

function useAsync(load, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then((data) => setState({ loading: false, data, error: null }),
      (error) => setState({ loading: false, data: null, error }));
  }, deps);
  useEffect(reload, [reload]);
  return [state, reload];
}

function ErrorText({ error }) {
  if (!error) return null;
  const where = error.param ? ` (param: ${error.param})` : "";
  return html`<div class="error" role="alert">${error.message}${where}</div>`;
}

function FileImage({ fileId }) {
  const [src, setSrc] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let url; fileBlobURL(fileId).then((u) => { url = u; setSrc(u); }, setError);
    return () => url && URL.revokeObjectURL(url);
  }, [fileId]);
  if (error) return html`<${ErrorText} error=${error} />`;
  return src ? html`<img src=${src} alt=${`image file ${fileId}`} />` : html`<span class="muted">loading image…</span>`;
}

function Badge({ status }) { return html`<span class=${`badge ${status}`}>${status}</span>`; }

/** A text part with its citations turned into links that open the cited file. */
function TextPart({ text }) {
  const value = text.value || "";
  const notes = [...(text.annotations || [])].filter((a) => a.start_index != null).sort((a, b) => a.start_index - b.start_index);
  if (!notes.length) return html`<span>${value}</span>`;
  const out = []; let at = 0;
  notes.forEach((a, i) => {
    out.push(value.slice(at, a.start_index));
    const fileId = (a.file_citation || a.file_path || {}).file_id;
    out.push(html`<a class="cite" href="#" title=${`open ${fileId}`} data-file=${fileId}
      onClick=${(e) => { e.preventDefault(); openFile(fileId); }}>[${i + 1}]</a>`);
    at = a.end_index;
  });
  out.push(value.slice(at));
  return html`<span>${out}</span>`;
}

function MessageContent({ content }) {
  return (content || []).map((part) => {
    if (part.type === "text") return html`<${TextPart} text=${part.text} />`;
    if (part.type === "image_file") return html`<${FileImage} fileId=${part.image_file.file_id} />`;
    if (part.type === "image_url") return html`<span class="muted">[image ${part.image_url.url}]</span>`;
    return html`<span class="muted">[${part.type}]</span>`;
  });
}

function ToolCall({ call }) {
  if (call.type === "function") {
    return html`<div class="tool" data-testid="tool-call"><b>function</b> ${call.function.name}
      <pre>${call.function.arguments}</pre>
      ${call.function.output != null && html`<div class="muted">output</div><pre>${call.function.output}</pre>`}</div>`;
  }
  if (call.type === "code_interpreter") {
    const ci = call.code_interpreter || {};
    return html`<div class="tool" data-testid="tool-call"><b>code interpreter</b>
      <pre>${ci.input}</pre>
      ${(ci.outputs || []).map((o) => (o.type === "logs" ? html`<div class="muted">logs</div><pre>${o.logs}</pre>`
        : o.type === "image" ? html`<${FileImage} fileId=${o.image.file_id} />` : null))}</div>`;
  }
  if (call.type === "file_search") {
    const results = (call.file_search && call.file_search.results) || [];
    return html`<div class="tool" data-testid="tool-call"><b>file search</b>
      ${results.map((r) => html`<div class="muted">${r.file_name || r.file_id} · score ${Number(r.score).toFixed(3)}</div>`)}</div>`;
  }
  return html`<div class="tool">${call.type}</div>`;
}

function Usage({ usage }) {
  if (!usage) return null;
  return html`<span data-testid="usage"> · ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion = ${usage.total_tokens} tokens</span>`;
}

// ------------------------------------------------------------------ models

// The models that answer on this server, the default first (GET /v1/models), asked for once a page.
let modelList = null;
const models = () => (modelList = modelList || api("/models").then((page) => page.data.map((m) => m.id))
  .catch((err) => { modelList = null; throw err; }));

/** Calls ``pick(name)`` with the server's default model once it is known (``fail(err)`` if it cannot be). */
function useDefaultModel(pick, fail) {
  useEffect(() => { models().then((names) => names[0] && pick(names[0])).catch(fail); }, []);
}

/** A choice of the models that answer here (each runs as itself); a text field when none is listed. */
function ModelField({ id, value, onChange, disabled }) {
  const [names, setNames] = useState(null);
  useEffect(() => { models().then(setNames).catch(() => setNames([])); }, []);
  if (names && names.length) {
    return html`<select id=${id} value=${value} onChange=${onChange} disabled=${disabled} required>
      ${names.map((m, i) => html`<option value=${m} selected=${value === m}>${m}${i === 0 ? " (default)" : ""}</option>`)}
    </select>`;
  }
  return html`<input id=${id} value=${value} onInput=${onChange} disabled=${disabled} required
    placeholder=${names ? "no model is listed by this server" : "loading the models…"} />`;
}

// ------------------------------------------------------------------ playground

const parseJSON = (text, what) => {
  if (!text.trim()) return undefined;
  try { return JSON.parse(text); } catch (e) { throw new Error(`${what} is not valid JSON: ${e.message}`); }
};

function AssistantForm({ onCreated }) {
  const [f, setF] = useState({ name: "", model: "", instructions: "", code_interpreter: false,
    file_search: false, functions: "", response_format: "auto", vector_store_ids: "", temperature: "" });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useDefaultModel((name) => setF((old) => (old.model ? old : { ...old, model: name })), setError);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  async function submit(e) {
    e.preventDefault(); setError(null); setBusy(true);
    try {
      const tools = [];
      if (f.code_interpreter) tools.push({ type: "code_interpreter" });
      if (f.file_search) tools.push({ type: "file_search" });
      const fns = parseJSON(f.functions, "Functions");
      for (const fn of fns ? (Array.isArray(fns) ? fns : [fns]) : []) tools.push({ type: "function", function: fn });
      const body = { model: f.model, tools };
      if (f.name) body.name = f.name;
      if (f.instructions) body.instructions = f.instructions;
      if (f.response_format !== "auto") body.response_format = { type: f.response_format };
      if (f.temperature !== "") body.temperature = Number(f.temperature);
      const stores = f.vector_store_ids.split(/[\s,]+/).filter(Boolean);
      if (stores.length) body.tool_resources = { file_search: { vector_store_ids: stores } };
      onCreated(await api("/assistants", { method: "POST", body }));
    } catch (err) { setError(err); } finally { setBusy(false); }
  }
  return html`<form onSubmit=${submit} aria-label="Create an assistant">
    <${ErrorText} error=${error} />
    <label for="a-name">Name</label><input id="a-name" value=${f.name} onInput=${set("name")} />
    <label for="a-model">Model</label><${ModelField} id="a-model" value=${f.model} onChange=${set("model")} />
    <label for="a-instr">Instructions</label><textarea id="a-instr" value=${f.instructions} onInput=${set("instructions")} />
    <label>Tools</label>
    <label class="inline"><input type="checkbox" checked=${f.code_interpreter} onChange=${set("code_interpreter")} /> code interpreter</label>
    <label class="inline"><input type="checkbox" checked=${f.file_search} onChange=${set("file_search")} /> file search</label>
    <label for="a-fns">Functions (JSON: one definition or an array)</label>
    <textarea id="a-fns" class="code" placeholder='{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}'
      value=${f.functions} onInput=${set("functions")} />
    <label for="a-vs">Vector store ids (file search)</label><input id="a-vs" value=${f.vector_store_ids} onInput=${set("vector_store_ids")} />
    <label for="a-rf">Response format</label>
    <select id="a-rf" value=${f.response_format} onChange=${set("response_format")}>
      ${["auto", "text", "json_object"].map((v) => html`<option value=${v} selected=${f.response_format === v}>${v}</option>`)}
    </select>
    <label for="a-temp">Temperature (0–2; empty: the default)</label>
    <input id="a-temp" type="number" min="0" max="2" step="0.1" value=${f.temperature} onInput=${set("temperature")} />
    <div class="row" style=${{ marginTop: ".6rem" }}><button class="primary" disabled=${busy}>Create assistant</button></div>
  </form>`;
}

function ToolOutputsForm({ run, onSubmit }) {
  const calls = run.required_action.submit_tool_outputs.tool_calls;
  const [outputs, setOutputs] = useState(() => Object.fromEntries(calls.map((c) => [c.id, ""])));
  return html`<form class="tool" data-testid="tool-outputs" onSubmit=${(e) => { e.preventDefault();
      onSubmit(calls.map((c) => ({ tool_call_id: c.id, output: outputs[c.id] }))); }}>
    <b>The run needs tool outputs</b>
    ${calls.map((c, i) => html`<div>
      <label for=${`out-${c.id}`}>${c.function.name}(${c.function.arguments}) → output</label>
      <input id=${`out-${c.id}`} autofocus=${i === 0} value=${outputs[c.id]}
        onInput=${(e) => setOutputs({ ...outputs, [c.id]: e.target.value })} />
    </div>`)}
    <div class="row" style=${{ marginTop: ".4rem" }}><button class="primary">Submit tool outputs</button></div>
  </form>`;
}

/** Applies one streamed run event to the chat's item list (messages, steps, run lines). */
function applyEvent(items, { event, data }) {
  const find = (id) => items.find((it) => it.id === id);
  if (event.startsWith("thread.run.step.")) {
    if (event === "thread.run.step.delta") {
      const step = find(data.id); if (!step) return;
      for (const d of (data.delta.step_details && data.delta.step_details.tool_calls) || []) {
        const calls = step.step.step_details.tool_calls || (step.step.step_details.tool_calls = []);
        const c = calls[d.index] || (calls[d.index] = { ...d, function: d.function && { ...d.function, arguments: "" },
          code_interpreter: d.code_interpreter && { input: "", outputs: [] } });
        if (d.function) { c.function.arguments += d.function.arguments || ""; if (d.function.output != null) c.function.output = d.function.output; }
        if (d.code_interpreter) { c.code_interpreter.input += d.code_interpreter.input || "";
          c.code_interpreter.outputs.push(...(d.code_interpreter.outputs || [])); }
        if (d.file_search) c.file_search = d.file_search;
      }
      return;
    }
    if (data.step_details.type !== "tool_calls") return;
    const it = find(data.id);
    if (it) it.step = data; else items.push({ id: data.id, kind: "step", step: data });
    return;
  }
  if (event.startsWith("thread.message.")) {
    if (event === "thread.message.delta") {
      const m = find(data.id); if (!m) return;
      for (const d of data.delta.content || []) {
        const part = m.message.content[d.index];
        if (!part) m.message.content[d.index] = d.type === "text" ? { type: "text", text: { value: d.text.value || "", annotations: [...(d.text.annotations || [])] } } : d;
        else if (d.type === "text") { part.text.value += d.text.value || ""; part.text.annotations.push(...(d.text.annotations || [])); }
      }
      return;
    }
    const m = find(data.id);
    if (m) m.message = data; else items.push({ id: data.id, kind: "message", message: { ...data, content: [...data.content] } });
    return;
  }
  if (event.startsWith("thread.run.")) {  // the run's line moves below what the run has added so far
    const at = items.findIndex((it) => it.id === data.id);
    if (at >= 0) items.splice(at, 1);
    items.push({ id: data.id, kind: "run", run: data });
  }
}

/** The box a chat's next message is typed in (Enter sends, Shift+Enter makes a new line). */
function Composer({ id, label, text, setText, onSend, busy, busyLabel }) {
  return html`<form class="composer" onSubmit=${onSend}>
    <label for=${id} class="sr">${label}</label>
    <textarea id=${id} class="grow" placeholder=${`${label} (Enter sends, Shift+Enter for a new line)`} value=${text}
      onInput=${(e) => setText(e.target.value)}
      onKeyDown=${(e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); onSend(); } }} />
    <button class="primary" disabled=${busy || !text.trim()}>${busy ? busyLabel : "Send"}</button>
  </form>`;
}

function Chat({ assistant }) {
  const [thread, setThread] = useState(null);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const items = useRef([]);
  const [, redraw] = useState(0);
  const bump = () => redraw((n) => n + 1);
  const box = useRef(null);
  useEffect(() => { items.current = []; setThread(null); setError(null); bump(); }, [assistant && assistant.id]);
  useEffect(() => { if (box.current) box.current.scrollTop = box.current.scrollHeight; });

  async function follow(path, body) {
    setBusy(true); setError(null);
    try {
      for await (const ev of stream(path, body)) {
        if (ev.event === "error") { setError(new Error((ev.data.error || ev.data).message || "stream error")); continue; }
        applyEvent(items.current, ev); bump();
      }
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  async function send(e) {
    if (e) e.preventDefault();
    const content = text.trim(); if (!content || busy) return;
    setError(null);
    try {
      let t = thread;
      if (!t) { t = await api("/threads", { method: "POST", body: {} }); setThread(t); }
      const message = await api(`/threads/${t.id}/messages`, { method: "POST", body: { role: "user", content } });
      items.current.push({ id: message.id, kind: "message", message }); setText(""); bump();
      await follow(`/threads/${t.id}/runs`, { assistant_id: assistant.id });
    } catch (err) { setError(err); }
  }

  const pending = items.current.filter((it) => it.kind === "run" && it.run.status === "requires_action").pop();
  return html`<div class="card">
    <div class="row"><h2 class="grow">Chat with ${assistant.name || assistant.id}</h2>
      <span class="muted" data-testid="thread-id">${thread ? thread.id : "new thread"}</span>
      <button onClick=${() => { items.current = []; setThread(null); bump(); }}>New thread</button></div>
    <${ErrorText} error=${error} />
    <div class="chat" ref=${box} aria-live="polite" data-testid="chat">
      ${items.current.length === 0 && html`<p class="muted">Send a message to start a thread.</p>`}
      ${items.current.map((it) => {
        if (it.kind === "message") return html`<div class=${`msg ${it.message.role}`} data-testid=${`msg-${it.message.role}`}>
          <span class="role">${it.message.role}</span><${MessageContent} content=${it.message.content} /></div>`;
        if (it.kind === "step") return (it.step.step_details.tool_calls || []).map((c) => html`<${ToolCall} call=${c} />`);
        const r = it.run;
        return html`<div class="runline" data-testid="run-line">run ${r.id} <${Badge} status=${r.status} /><${Usage} usage=${r.usage} />
          ${r.last_error && html` · <span class="error">${r.last_error.code}: ${r.last_error.message}</span>`}</div>`;
      })}
      ${pending && !busy && html`<${ToolOutputsForm} key=${pending.run.id} run=${pending.run}
        onSubmit=${(outs) => follow(`/threads/${pending.run.thread_id}/runs/${pending.run.id}/submit_tool_outputs`, { tool_outputs: outs })} />`}
    </div>
    <${Composer} id="composer" label="Message" text=${text} setText=${setText} onSend=${send} busy=${busy} busyLabel="Running…" />
  </div>`;
}

function Playground() {
  const [list, reload] = useAsync(() => api("/assistants?limit=100"), []);
  const [selected, setSelected] = useState(null);
  const [creating, setCreating] = useState(false);
  const assistants = (list.data && list.data.data) || [];
  return html`<div class="cols">
    <div>
      <div class="card"><h2>Assistants</h2>
        <${ErrorText} error=${list.error} />
        <label for="pick">Pick an assistant</label>
        <select id="pick" value=${selected ? selected.id : ""} onChange=${(e) => setSelected(assistants.find((a) => a.id === e.target.value) || null)}>
          <option value="" selected=${!selected}>—</option>
          ${assistants.map((a) => html`<option value=${a.id} selected=${selected && selected.id === a.id}>${a.name || a.id} (${a.model})</option>`)}
        </select>
        ${selected && html`<p class="muted clamp">${selected.instructions || "no instructions"} · tools: ${selected.tools.map((t) => t.type === "function" ? t.function.name : t.type).join(", ") || "none"}</p>`}
        <div class="row" style=${{ marginTop: ".6rem" }}>
          <button aria-expanded=${creating} onClick=${() => setCreating(!creating)}>${creating ? "Close" : "New assistant"}</button>
          <button onClick=${reload}>Refresh</button></div>
      </div>
      ${creating && html`<div class="card"><h2>New assistant</h2>
        <${AssistantForm} onCreated=${(a) => { setCreating(false); setSelected(a); reload(); }} /></div>`}
    </div>
    <div>${selected ? html`<${Chat} assistant=${selected} />` : html`<div class="card"><p class="muted">Pick or create an assistant to chat.</p></div>`}</div>
  </div>`;
}

// ------------------------------------------------------------------ responses playground

/** The text of a Responses message part, with its file citations as links that open the cited file. */
function OutputText({ part }) {
  const value = part.text || "";
  const notes = (part.annotations || []).filter((a) => a.type === "file_citation" && a.index != null)
    .map((a, i) => ({ ...a, n: i + 1 })).sort((a, b) => a.index - b.index);
  if (!notes.length) return html`<span>${value}</span>`;
  const out = []; let at = 0;
  for (const a of notes) {
    const cut = Math.min(Math.max(a.index, at), value.length);
    out.push(value.slice(at, cut));
    out.push(html`<a class="cite" href="#" title=${`open ${a.filename || a.file_id}`} data-file=${a.file_id}
      onClick=${(e) => { e.preventDefault(); openFile(a.file_id); }}>[${a.n}]</a>`);
    at = cut;
  }
  out.push(value.slice(at));
  return html`<span>${out}</span>`;
}

function InputContent({ content }) {
  if (typeof content === "string") return html`<span>${content}</span>`;
  return (content || []).map((part) => (part.type === "input_text" || part.type === "text" ? html`<span>${part.text}</span>`
    : part.type === "output_text" ? html`<${OutputText} part=${part} />` : html`<span class="muted">[${part.type}]</span>`));
}

/** One item of a response's output or of a conversation (messages, function calls and outputs, file searches). */
function ResponseItem({ item }) {
  if (item.type === "message") {
    return html`<div class=${`msg ${item.role}`} data-testid=${`r-msg-${item.role}`}><span class="role">${item.role}</span>${
      item.role === "assistant" ? (item.content || []).map((p) => (p.type === "output_text" ? html`<${OutputText} part=${p} />`
        : html`<span class="muted">[${p.type}]</span>`)) : html`<${InputContent} content=${item.content} />`}</div>`;
  }
  if (item.type === "function_call") {
    return html`<div class="tool" data-testid="r-function-call"><b>function</b> ${item.name} <span class="muted">${item.call_id}</span>
      <pre>${item.arguments}</pre>${item.output != null && html`<div class="muted">output</div><pre>${item.output}</pre>`}</div>`;
  }
  if (item.type === "function_call_output") {
    return html`<div class="tool" data-testid="r-function-output"><b>function output</b> <span class="muted">${item.call_id}</span>
      <pre>${typeof item.output === "string" ? item.output : JSON.stringify(item.output)}</pre></div>`;
  }
  if (item.type === "file_search_call") {
    return html`<div class="tool" data-testid="r-file-search"><b>file search</b> <${Badge} status=${item.status} />
      ${(item.queries || []).length > 0 && html`<span class="muted"> · ${item.queries.join(" · ")}</span>`}
      ${(item.results || []).map((r) => html`<div class="chunk" data-testid="r-result">
        <a href="#" class="cite" data-file=${r.file_id} onClick=${(e) => { e.preventDefault(); openFile(r.file_id); }}>${r.filename || r.file_id}</a>
        <span class="muted"> · score ${Number(r.score).toFixed(3)}</span><pre>${r.text}</pre></div>`)}</div>`;
  }
  return html`<div class="tool"><b>${item.type}</b> <span class="muted">${item.id}</span></div>`;
}

/** Applies one streamed Responses event to the exchange it belongs to ({response, output}). */
function applyResponseEvent(turn, { event, data }) {
  const item = (id) => turn.output.find((it) => it.id === id);
  if (/^response\.(created|in_progress|queued|completed|incomplete|failed)$/.test(event)) {
    turn.response = data.response;
    if (event !== "response.created" && event !== "response.in_progress" && event !== "response.queued") {
      turn.output = data.response.output.map((done) => ({ ...(item(done.id) || {}), ...done }));
    }
    return;
  }
  if (event === "response.output_item.added") { turn.output.push({ ...data.item }); return; }
  if (event === "response.output_item.done") {
    const at = turn.output.findIndex((it) => it.id === data.item.id);
    if (at >= 0) turn.output[at] = data.item; else turn.output.push(data.item);
    return;
  }
  const it = data.item_id && item(data.item_id);
  if (!it) return;
  if (event === "response.content_part.added") { (it.content = it.content || [])[data.content_index] = { ...data.part, annotations: [] }; return; }
  if (event === "response.output_text.delta") {
    const parts = it.content = it.content || [];
    const part = parts[data.content_index] || (parts[data.content_index] = { type: "output_text", text: "", annotations: [] });
    part.text += data.delta;
    return;
  }
  if (event === "response.output_text.annotation.added") {
    const part = (it.content || [])[data.content_index];
    if (part) part.annotations = [...(part.annotations || []), data.annotation];
    return;
  }
  if (event === "response.function_call_arguments.delta") { it.arguments = (it.arguments || "") + data.delta; return; }
  const hosted = /^response\.file_search_call\.(in_progress|searching|completed|failed)$/.exec(event);
  if (hosted) it.status = hosted[1];
}

function ResponseLine({ response }) {
  const u = response.usage;
  return html`<div class="runline" data-testid="response-line">response <span data-testid="response-id">${response.id}</span>
    <${Badge} status=${response.status} />${u && html`<span data-testid="r-usage"> · ${u.input_tokens} input + ${u.output_tokens} output = ${u.total_tokens} tokens</span>`}
    ${response.incomplete_details && html` · <span class="muted">${response.incomplete_details.reason}</span>`}
    ${response.error && html` · <span class="error">${response.error.code}: ${response.error.message}</span>`}</div>`;
}

/** A form with an output for each of the response's function calls (sent as ``function_call_output`` items). */
function FunctionOutputsForm({ calls, onSubmit }) {
  const [outputs, setOutputs] = useState(() => Object.fromEntries(calls.map((c) => [c.call_id, ""])));
  return html`<form class="tool" data-testid="function-outputs" onSubmit=${(e) => { e.preventDefault();
      onSubmit(calls.map((c) => ({ type: "function_call_output", call_id: c.call_id, output: outputs[c.call_id] }))); }}>
    <b>The response called functions: answer them</b>
    ${calls.map((c, i) => html`<div>
      <label for=${`fo-${c.call_id}`}>${c.name}(${c.arguments}) → output</label>
      <input id=${`fo-${c.call_id}`} autofocus=${i === 0} value=${outputs[c.call_id]}
        onInput=${(e) => setOutputs({ ...outputs, [c.call_id]: e.target.value })} />
    </div>`)}
    <div class="row" style=${{ marginTop: ".4rem" }}><button class="primary">Send function outputs</button></div>
  </form>`;
}

/** The playground's settings as a create body (without ``input`` and the chain's link). */
function responseSettings(f) {
  const body = { model: f.model, include: ["file_search_call.results"] };
  if (f.instructions) body.instructions = f.instructions;
  const tools = [];
  const fns = parseJSON(f.functions, "Functions");
  for (const fn of fns ? (Array.isArray(fns) ? fns : [fns]) : []) tools.push({ type: "function", ...fn });
  if (f.file_search) {
    if (!f.vector_store) throw new Error("Pick a vector store for file search.");
    tools.push({ type: "file_search", vector_store_ids: [f.vector_store] });
  }
  if (tools.length) body.tools = tools;
  if (f.format === "json_object") body.text = { format: { type: "json_object" } };
  if (f.format === "json_schema") {
    const schema = parseJSON(f.schema, "The JSON schema");
    if (!schema) throw new Error("Write the JSON schema of the answer.");
    body.text = { format: { type: "json_schema", name: f.schema_name || "answer", schema, strict: true } };
  }
  return body;
}

function ResponseSettings({ f, setF }) {
  const [stores] = useAsync(() => api("/vector_stores?limit=100"), []);
  const set = (k) => (e) => setF((old) => ({ ...old, [k]: e.target.type === "checkbox" ? e.target.checked : e.target.value }));
  const storeList = (stores.data && stores.data.data) || [];
  return html`<div class="card"><h2>Response settings</h2>
    <label for="r-model">Model</label><${ModelField} id="r-model" value=${f.model} onChange=${set("model")} />
    <label for="r-instr">Instructions</label><textarea id="r-instr" value=${f.instructions} onInput=${set("instructions")} />
    <label for="r-fns">Functions (JSON: one definition or an array)</label>
    <textarea id="r-fns" class="code" placeholder='{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}'
      value=${f.functions} onInput=${set("functions")} />
    <label class="inline"><input id="r-fs" type="checkbox" checked=${f.file_search} onChange=${set("file_search")} /> file search</label>
    <label for="r-vs">Vector store (file search)</label><${ErrorText} error=${stores.error} />
    <select id="r-vs" value=${f.vector_store} onChange=${set("vector_store")}>
      <option value="" selected=${!f.vector_store}>—</option>
      ${storeList.map((s) => html`<option value=${s.id} selected=${f.vector_store === s.id}>${s.name || s.id} (${s.file_counts.completed} files)</option>`)}
    </select>
    <label for="r-format">Text format</label>
    <select id="r-format" value=${f.format} onChange=${set("format")}>
      ${["text", "json_object", "json_schema"].map((v) => html`<option value=${v} selected=${f.format === v}>${v}</option>`)}
    </select>
    ${f.format === "json_schema" && html`<label for="r-schema-name">Schema name</label>
      <input id="r-schema-name" value=${f.schema_name} onInput=${set("schema_name")} />
      <label for="r-schema">JSON schema</label>
      <textarea id="r-schema" class="code" placeholder='{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false}'
        value=${f.schema} onInput=${set("schema")} />`}
  </div>`;
}

/** Bind the chain to a conversation (or an Assistants thread, read as one) and see its items. */
function ConversationPicker({ conversation, onPick, version }) {
  const [list, reload] = useAsync(() => api("/threads?limit=100"), []);
  const [error, setError] = useState(null);
  const [items] = useAsync(() => (conversation ? api(`/conversations/${conversation}/items?order=asc&limit=100`)
    : Promise.resolve(null)), [conversation, version]);
  async function create() {
    setError(null);
    try { const c = await api("/conversations", { method: "POST", body: {} }); reload(); onPick(c.id); } catch (err) { setError(err); }
  }
  const rows = (list.data && list.data.data) || [];
  return html`<div class="card"><h2>Conversation</h2><${ErrorText} error=${error || list.error || items.error} />
    <label for="r-conv">Bind a conversation (or an Assistants thread)</label>
    <select id="r-conv" value=${conversation || ""} onChange=${(e) => onPick(e.target.value || null)}>
      <option value="" selected=${!conversation}>none: chain with previous_response_id</option>
      ${rows.map((t) => html`<option value=${t.id} selected=${conversation === t.id}>${t.id} · ${fmtTime(t.created_at)}</option>`)}
    </select>
    <div class="row" style=${{ marginTop: ".6rem" }}><button onClick=${create}>New conversation</button><button onClick=${reload}>Refresh</button></div>
    ${items.data && html`<h3>Items</h3><div class="chat" data-testid="conversation-items">
      ${items.data.data.length === 0 && html`<p class="muted">No items yet.</p>`}
      ${items.data.data.map((it) => html`<${ResponseItem} item=${it} />`)}</div>`}
  </div>`;
}

function ResponsesPlayground() {
  const [f, setF] = useState({ model: "", instructions: "", functions: "", file_search: false, vector_store: "",
    format: "text", schema_name: "answer", schema: "" });
  const [conversation, setConversation] = useState(null);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0);
  const turns = useRef([]);
  const [, redraw] = useState(0);
  const bump = () => redraw((n) => n + 1);
  const box = useRef(null);
  useDefaultModel((name) => setF((old) => (old.model ? old : { ...old, model: name })), setError);
  useEffect(() => { if (box.current) box.current.scrollTop = box.current.scrollHeight; });

  const last = turns.current.length ? turns.current[turns.current.length - 1] : null;
  const lastId = last && last.response ? last.response.id : null;
  const answered = new Set(turns.current.flatMap((t) => t.input).filter((i) => i.type === "function_call_output").map((i) => i.call_id));
  const pending = last && last.response && last.response.status === "completed"
    ? last.output.filter((it) => it.type === "function_call" && !answered.has(it.call_id)) : [];

  async function respond(input) {
    setError(null);
    let body;
    try { body = { ...responseSettings(f), input }; } catch (err) { setError(err); return; }
    if (conversation) body.conversation = conversation;
    else if (lastId) body.previous_response_id = lastId;
    const turn = { input, response: null, output: [] };
    turns.current.push(turn); bump(); setBusy(true);
    try {
      for await (const ev of stream("/responses", body)) {
        if (ev.event === "error") { setError(new Error((ev.data.error || ev.data).message || "stream error")); continue; }
        applyResponseEvent(turn, ev); bump();
      }
    } catch (err) { setError(err); } finally { setBusy(false); setVersion((v) => v + 1); bump(); }
  }
  function send(e) {
    if (e) e.preventDefault();
    const content = text.trim(); if (!content || busy) return;
    setText(""); respond([{ type: "message", role: "user", content }]);
  }
  function restart() { turns.current = []; setError(null); bump(); }
  function pick(id) { setConversation(id); restart(); }

  return html`<div class="cols">
    <div><${ResponseSettings} f=${f} setF=${setF} />
      <${ConversationPicker} conversation=${conversation} onPick=${pick} version=${version} /></div>
    <div class="card">
      <div class="row"><h2 class="grow">Responses</h2>
        <span class="muted" data-testid="chain-id">${conversation ? `conversation ${conversation}` : lastId ? `after ${lastId}` : "new chain"}</span>
        <button onClick=${() => pick(null)} disabled=${busy}>New chain</button></div>
      <${ErrorText} error=${error} />
      <div class="chat" ref=${box} aria-live="polite" data-testid="r-chat">
        ${turns.current.length === 0 && html`<p class="muted">Send input to create a response.</p>`}
        ${turns.current.map((t) => html`
          ${t.input.map((i) => html`<${ResponseItem} item=${i} />`)}
          ${t.output.map((it) => html`<${ResponseItem} key=${it.id} item=${it} />`)}
          ${t.response && html`<${ResponseLine} response=${t.response} />`}`)}
        ${pending.length > 0 && !busy && html`<${FunctionOutputsForm} key=${lastId} calls=${pending} onSubmit=${respond} />`}
      </div>
      <${Composer} id="r-input" label="Input" text=${text} setText=${setText} onSend=${send} busy=${busy} busyLabel="Responding…" />
    </div></div>`;
}

// ------------------------------------------------------------------ inspector

function Pick({ items, selected, onPick, label, sub }) {
  return html`<ul class="list" aria-label=${label}>${items.map((x) => html`<li>
    <button class="item" aria-pressed=${selected === x.id} onClick=${() => onPick(x)}>${label === "Threads" ? x.id : (x.name || x.id)}
      <span class="sub">${sub(x)}</span></button></li>`)}</ul>`;
}

function RunSteps({ run }) {
  const [steps] = useAsync(() => api(`/threads/${run.thread_id}/runs/${run.id}/steps?order=asc&limit=100`), [run.id]);
  const events = [["created", run.created_at], ["started", run.started_at], ["completed", run.completed_at],
    ["failed", run.failed_at], ["cancelled", run.cancelled_at], ["expired", run.expires_at && run.status === "expired" ? run.expires_at : null]]
    .filter(([, t]) => t);
  return html`<div data-testid="run-detail"><h3>Run ${run.id} <${Badge} status=${run.status} /></h3>
    <p class="muted">model ${run.model} · ${secs(run.started_at, run.completed_at || run.failed_at || run.cancelled_at)}<${Usage} usage=${run.usage} /></p>
    ${run.last_error && html`<div class="error">${run.last_error.code}: ${run.last_error.message}</div>`}
    <ol class="timeline">
      ${events.map(([what, t]) => html`<li>run ${what} · ${fmtTime(t)}</li>`)}
      ${(steps.data ? steps.data.data : []).map((s) => html`<li data-testid="step">
        step ${s.type} <${Badge} status=${s.status} /> · ${fmtTime(s.created_at)} ${secs(s.created_at, s.completed_at || s.failed_at)}<${Usage} usage=${s.usage} />
        ${s.step_details.type === "tool_calls" ? s.step_details.tool_calls.map((c) => html`<${ToolCall} call=${c} />`)
          : html`<div class="muted">message ${s.step_details.message_creation.message_id}</div>`}
        ${s.last_error && html`<div class="error">${s.last_error.code}: ${s.last_error.message}</div>`}</li>`)}
    </ol><${ErrorText} error=${steps.error} /></div>`;
}

function Inspector() {
  const [assistants] = useAsync(() => api("/assistants?limit=100"), []);
  const [threads, reloadThreads] = useAsync(() => api("/threads?limit=100"), []);
  const [thread, setThread] = useState(null);
  const [run, setRun] = useState(null);
  const [detail] = useAsync(() => (thread ? Promise.all([api(`/threads/${thread.id}/messages?order=asc&limit=100`),
    api(`/threads/${thread.id}/runs?limit=100`)]) : Promise.resolve(null)), [thread && thread.id]);
  return html`<div class="cols3">
    <div class="card"><h2>Assistants</h2><${ErrorText} error=${assistants.error} />
      <table><tbody>${((assistants.data && assistants.data.data) || []).map((a) => html`<tr><td><b>${a.name || "—"}</b><br/><span class="muted">${a.id}</span></td>
        <td>${a.model}<br/><span class="muted">${a.tools.map((t) => t.type).join(", ")}</span></td></tr>`)}</tbody></table></div>
    <div class="card"><div class="row"><h2 class="grow">Threads</h2><button onClick=${reloadThreads}>Refresh</button></div>
      <${ErrorText} error=${threads.error} />
      <${Pick} label="Threads" items=${(threads.data && threads.data.data) || []} selected=${thread && thread.id}
        onPick=${(t) => { setThread(t); setRun(null); }} sub=${(t) => fmtTime(t.created_at)} /></div>
    <div class="card"><h2>${thread ? thread.id : "Pick a thread"}</h2><${ErrorText} error=${detail.error} />
      ${detail.data && html`<h3>Messages</h3>
        ${detail.data[0].data.map((m) => html`<div class=${`msg ${m.role}`}><span class="role">${m.role} · ${fmtTime(m.created_at)}</span><${MessageContent} content=${m.content} /></div>`)}
        <h3>Runs</h3>
        <${Pick} label="Runs" items=${detail.data[1].data} selected=${run && run.id} onPick=${setRun}
          sub=${(r) => `${r.status} · ${fmtTime(r.created_at)}`} />
        ${run && html`<${RunSteps} key=${run.id} run=${run} />`}`}
    </div></div>`;
}

// ------------------------------------------------------------------ files and vector stores

function Files() {
  const [files, reloadFiles] = useAsync(() => api("/files?limit=100"), []);
  const [stores, reloadStores] = useAsync(() => api("/vector_stores?limit=100"), []);
  const [progress, setProgress] = useState(null);
  const [error, setError] = useState(null);
  const [purpose, setPurpose] = useState("assistants");
  const [storeName, setStoreName] = useState("");
  const [store, setStore] = useState(null);
  const input = useRef(null);

  async function doUpload(e) {
    e.preventDefault(); setError(null);
    const chosen = [...(input.current.files || [])];
    if (!chosen.length) { setError(new Error("Choose a file first.")); return; }
    try {
      for (const file of chosen) {
        setProgress({ name: file.name, value: 0 });
        await upload(file, purpose, (v) => setProgress({ name: file.name, value: v }));
      }
      input.current.value = ""; reloadFiles();
    } catch (err) { setError(err); } finally { setProgress(null); }
  }
  async function createStore(e) {
    e.preventDefault(); setError(null);
    try {
      const s = await api("/vector_stores", { method: "POST", body: storeName ? { name: storeName } : {} });
      setStoreName(""); reloadStores(); setStore(s);
    } catch (err) { setError(err); }
  }
  const fileList = (files.data && files.data.data) || [];
  return html`<div class="cols">
    <div>
      <div class="card"><h2>Upload</h2><${ErrorText} error=${error || files.error} />
        <form onSubmit=${doUpload}>
          <label for="f-input">File</label><input id="f-input" type="file" multiple ref=${input} />
          <label for="f-purpose">Purpose</label>
          <select id="f-purpose" value=${purpose} onChange=${(e) => setPurpose(e.target.value)}>
            ${["assistants", "vision", "user_data", "batch", "fine-tune"].map((p) => html`<option value=${p} selected=${p === purpose}>${p}</option>`)}</select>
          <div class="row" style=${{ marginTop: ".6rem" }}><button class="primary" disabled=${!!progress}>Upload</button></div>
          ${progress && html`<label for="f-progress">${progress.name}: ${Math.round(progress.value * 100)}%</label>
            <progress id="f-progress" max="1" value=${progress.value} />`}
        </form></div>
      <div class="card"><div class="row"><h2 class="grow">Files</h2><button onClick=${reloadFiles}>Refresh</button></div>
        <table data-testid="files"><thead><tr><th>file</th><th></th></tr></thead><tbody>
        ${fileList.map((f) => html`<tr><td>${f.filename}<br/><span class="muted">${f.id} · ${f.purpose} · ${f.bytes} bytes · ${f.status}</span></td>
          <td class="act"><button onClick=${() => openFile(f.id)} aria-label=${`Open ${f.filename}`}>Open</button></td></tr>`)}</tbody></table></div>
    </div>
    <div>
      <div class="card"><div class="row"><h2 class="grow">Vector stores</h2><button onClick=${reloadStores}>Refresh</button></div>
        <${ErrorText} error=${stores.error} />
        <form class="row" onSubmit=${createStore}><label for="vs-name" class="sr">Name</label>
          <input id="vs-name" class="grow" placeholder="new vector store name" value=${storeName} onInput=${(e) => setStoreName(e.target.value)} />
          <button>Create vector store</button></form>
        <${Pick} label="Vector stores" items=${(stores.data && stores.data.data) || []} selected=${store && store.id} onPick=${setStore}
          sub=${(s) => `${s.id} · ${s.status} · ${s.file_counts.completed}/${s.file_counts.total} files ready`} /></div>
      ${store && html`<${VectorStore} key=${store.id} store=${store} files=${fileList} onChange=${reloadStores} />`}
    </div></div>`;
}

function VectorStore({ store, files, onChange }) {
  const [members, reload] = useAsync(() => api(`/vector_stores/${store.id}/files?limit=100`), [store.id]);
  const [add, setAdd] = useState("");
  const [query, setQuery] = useState("");
  const [results, setResults] = useState(null);
  const [error, setError] = useState(null);
  const rows = (members.data && members.data.data) || [];
  useEffect(() => {  // follow ingestion until every file has settled
    if (!rows.some((r) => r.status === "in_progress")) return undefined;
    const t = setTimeout(() => { reload(); onChange(); }, 700);
    return () => clearTimeout(t);
  }, [members.data]);
  const name = (id) => (files.find((f) => f.id === id) || {}).filename || id;
  async function attach(e) {
    e.preventDefault(); setError(null);
    try { await api(`/vector_stores/${store.id}/files`, { method: "POST", body: { file_id: add } }); setAdd(""); reload(); onChange(); }
    catch (err) { setError(err); }
  }
  async function search(e) {
    e.preventDefault(); setError(null);
    try { setResults(await api(`/vector_stores/${store.id}/search`, { method: "POST", body: { query, max_num_results: 10 } })); }
    catch (err) { setError(err); }
  }
  return html`<div class="card"><h2>${store.name || store.id}</h2><${ErrorText} error=${error || members.error} />
    <form class="row" onSubmit=${attach}><label for="vs-add" class="sr">File to add</label>
      <select id="vs-add" class="grow" value=${add} onChange=${(e) => setAdd(e.target.value)}>
        <option value="" selected=${!add}>add a file…</option>${files.map((f) => html`<option value=${f.id} selected=${add === f.id}>${f.filename} (${f.id})</option>`)}</select>
      <button disabled=${!add}>Add file</button></form>
    <table data-testid="store-files"><thead><tr><th>file</th><th>ingestion</th><th>bytes</th></tr></thead><tbody>
      ${rows.map((r) => html`<tr><td>${name(r.id)}</td><td><${Badge} status=${r.status} />
        ${r.last_error && html`<div class="error">${r.last_error.message}</div>`}</td><td>${r.usage_bytes}</td></tr>`)}</tbody></table>
    <h3>Search</h3>
    <form class="row" onSubmit=${search} role="search"><label for="vs-q" class="sr">Query</label>
      <input id="vs-q" type="search" class="grow" placeholder="search this vector store" value=${query} onInput=${(e) => setQuery(e.target.value)} />
      <button class="primary" disabled=${!query.trim()}>Search</button></form>
    ${results && html`<div data-testid="search-results">${results.data.length === 0 && html`<p class="muted">No results.</p>`}
      ${results.data.map((r, i) => html`<div class="chunk" data-testid="chunk"><b>#${i + 1}</b> ${r.filename}
        <span class="muted"> · score ${Number(r.score).toFixed(4)}</span>
        ${r.content.map((c) => html`<pre>${c.text}</pre>`)}</div>`)}</div>`}
  </div>`;
}

// ------------------------------------------------------------------ voice

function Voice() {
  const [model, setModel] = useState("");
  const [instructions, setInstructions] = useState("You are a helpful voice assistant. Answer briefly.");
  const [state, setState] = useState("not connected");
  const [error, setError] = useState(null);
  useDefaultModel((name) => setModel((old) => old || name), setError);
  const [mic, setMic] = useState(false);
  const [text, setText] = useState("");
  const session = useRef(null);
  const lines = useRef([]);
  const [, redraw] = useState(0);
  const box = useRef(null);
  useEffect(() => () => session.current && session.current.close(), []);
  useEffect(() => { if (box.current) box.current.scrollTop = box.current.scrollHeight; });

  const line = (id, role) => {
    let l = lines.current.find((x) => x.id === id);
    if (!l) { l = { id, role, text: "" }; lines.current.push(l); }
    return l;
  };
  function onEvent(ev) {
    const t = ev.type;
    if (t === "error") setError(new Error(`${ev.error.code || ev.error.type}: ${ev.error.message}`));
    else if ((t === "conversation.item.added" || t === "conversation.item.created") && ev.item.type === "message" && ev.item.role === "user") {
      const l = line(ev.item.id, "user");
      const typed = (ev.item.content || []).find((c) => c.type === "input_text");
      if (typed) l.text = typed.text;
    } else if (t === "conversation.item.input_audio_transcription.delta") line(ev.item_id, "user").text += ev.delta;
    else if (t === "conversation.item.input_audio_transcription.completed") line(ev.item_id, "user").text = ev.transcript;
    else if (/^response\.(output_audio_transcript|audio_transcript|output_text|text)\.delta$/.test(t)) line(ev.item_id, "assistant").text += ev.delta;
    else if (t === "input_audio_buffer.speech_started") setState("hearing you");
    else if (t === "input_audio_buffer.speech_stopped") setState("thinking");
    else if (t === "response.done") {
      setState(session.current && session.current.stream ? "listening" : "connected");
      const u = ev.response.usage;
      if (u) lines.current.push({ id: `${ev.response.id}-usage`, role: "usage", text: `${ev.response.status} · ${u.total_tokens} tokens` });
    }
    redraw((n) => n + 1);
  }
  async function connect(audio) {
    setError(null);
    try {
      if (!session.current) {
        session.current = new VoiceSession({ key: sessionStorage.getItem(KEY), model, instructions, onEvent, onState: setState });
        await session.current.connect();
      }
      session.current.configure(audio);
      if (audio) { await session.current.startMic(); setMic(true); }
    } catch (err) {
      setError(err.name === "NotAllowedError" ? new Error("The microphone is blocked for this page.") : err);
      if (session.current && session.current.ws.readyState !== WebSocket.OPEN) session.current = null;
    }
  }
  function hangUp() { if (session.current) session.current.close(); session.current = null; setMic(false); setState("not connected"); }
  function say(e) {
    e.preventDefault(); const t = text.trim(); if (!t) return;
    (session.current ? Promise.resolve() : connect(false)).then(() => { if (session.current) { session.current.sendText(t); setText(""); } });
  }
  const connected = !!session.current;
  return html`<div class="cols">
    <div class="card"><h2>Voice</h2>
      <label for="v-model">Model</label><${ModelField} id="v-model" value=${model} disabled=${connected} onChange=${(e) => setModel(e.target.value)} />
      <label for="v-instr">Instructions</label><textarea id="v-instr" value=${instructions} disabled=${connected} onInput=${(e) => setInstructions(e.target.value)} />
      <div class="row" style=${{ marginTop: ".6rem" }}>
        <button class="primary" disabled=${mic} onClick=${() => connect(true)}>Start talking</button>
        <button disabled=${!connected} onClick=${hangUp}>Hang up</button></div>
      <p class="muted">Status: <span data-testid="voice-state">${state}</span>${session.current && session.current.spoken > 0
        ? html` · <span data-testid="voice-spoken">${session.current.spoken.toFixed(1)} s</span> of answers spoken` : ""}. Speak over an answer to interrupt it.
        The audio runs on the server's offline voice models; without them sessions are text only.</p>
    </div>
    <div class="card"><h2>Transcript</h2><${ErrorText} error=${error} />
      <div class="chat transcript" ref=${box} aria-live="polite" data-testid="voice-transcript">
        ${lines.current.length === 0 && html`<p class="muted">Start talking, or type below.</p>`}
        ${lines.current.map((l) => (l.role === "usage" ? html`<div class="runline">${l.text}</div>`
          : html`<div class=${`msg ${l.role}`} data-testid=${`voice-${l.role}`}><span class="role">${l.role}</span>${l.text || "…"}</div>`))}
      </div>
      <form class="composer" onSubmit=${say}><label for="v-text" class="sr">Say (typed)</label>
        <input id="v-text" class="grow" placeholder="or type a message" value=${text} onInput=${(e) => setText(e.target.value)} />
        <button disabled=${!text.trim()}>Send</button></form>
    </div></div>`;
}

// ------------------------------------------------------------------ shell

const TEXT_LIMIT = 200_000;

function FileViewer({ fileId, onClose }) {
  const [state, setState] = useState({ error: null, meta: null, url: null, text: null, image: false });
  const close = useRef(null);
  useEffect(() => {
    let url;
    (async () => {
      const meta = await api(`/files/${fileId}`);
      const response = await fetch(`/v1/files/${fileId}/content`, { headers: authHeaders() });
      if (!response.ok) throw await failure(response);
      const blob = await response.blob();
      url = URL.createObjectURL(blob);
      const image = /\.(png|jpe?g|gif|webp)$/i.test(meta.filename);
      let text = null;
      if (!image) {
        const decoded = new TextDecoder("utf-8", { fatal: false }).decode(await blob.slice(0, TEXT_LIMIT).arrayBuffer());
        if (!decoded.includes("\u0000")) text = decoded;
      }
      setState({ error: null, meta, url, text, image });
    })().catch((error) => setState((s) => ({ ...s, error })));
    if (close.current) close.current.focus();
    const onKey = (e) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => { window.removeEventListener("keydown", onKey); if (url) URL.revokeObjectURL(url); };
  }, [fileId]);
  const { meta, url, text, image, error } = state;
  return html`<div class="overlay" onClick=${(e) => e.target === e.currentTarget && onClose()}>
    <div class="card viewer" role="dialog" aria-modal="true" aria-label="File" data-testid="file-viewer">
      <div class="row"><h2 class="grow">${meta ? meta.filename : fileId}</h2>
        ${url && html`<a href=${url} download=${meta.filename}>Download</a>`}
        <button ref=${close} onClick=${onClose}>Close</button></div>
      ${meta && html`<p class="muted">${meta.id} · ${meta.bytes} bytes · ${meta.purpose}</p>`}
      <${ErrorText} error=${error} />
      ${image && html`<img src=${url} alt=${meta.filename} />`}
      ${text != null && html`<pre class="filetext">${text}${meta.bytes > TEXT_LIMIT ? "\n…" : ""}</pre>`}
      ${meta && !image && text == null && html`<p class="muted">A binary file: use Download.</p>`}
    </div></div>`;
}

function KeyDialog({ onSave, message }) {
  const [key, setKey] = useState("");
  return html`<div class="card dialog"><h2>API key</h2>
    <p class="muted">${message || "This server needs an API key (OPENBETA_API_KEYS)."} It is kept in this tab's session storage only.</p>
    <form onSubmit=${(e) => { e.preventDefault(); onSave(key.trim()); }}>
      <label for="api-key">API key</label><input id="api-key" type="password" autocomplete="off" autofocus value=${key}
        onInput=${(e) => setKey(e.target.value)} />
      <div class="row" style=${{ marginTop: ".6rem" }}><button class="primary" disabled=${!key.trim()}>Use this key</button></div>
    </form></div>`;
}

const PAGES = { playground: ["Assistants playground", Playground], responses: ["Responses playground", ResponsesPlayground],
  inspector: ["Inspector", Inspector], files: ["Files & vector stores", Files],
  voice: ["Voice", Voice] };

function currentPage() { const p = location.hash.replace(/^#\/?/, ""); return PAGES[p] ? p : "playground"; }

function App() {
  const [page, setPage] = useState(currentPage());
  const [needKey, setNeedKey] = useState(null);
  const [ready, setReady] = useState(false);
  const [banner, setBanner] = useState(null);
  const [generation, setGeneration] = useState(0);
  const [viewing, setViewing] = useState(null);
  const [crash, resetCrash] = useErrorBoundary();
  useEffect(() => {
    const onHash = () => setPage(currentPage());
    window.addEventListener("hashchange", onHash);
    const listener = (kind, detail) => (kind === "unauthorized" ? setNeedKey(detail.message)
      : kind === "open-file" ? setViewing(detail) : setBanner(detail));
    listeners.add(listener);
    const onError = (e) => setBanner(e.reason || e.error || new Error(String(e.message)));
    window.addEventListener("unhandledrejection", onError); window.addEventListener("error", onError);
    api("/assistants?limit=1").then(() => setReady(true), (err) => { if (err.status !== 401) setBanner(err); setReady(true); });
    return () => { window.removeEventListener("hashchange", onHash); listeners.delete(listener);
      window.removeEventListener("unhandledrejection", onError); window.removeEventListener("error", onError); };
  }, []);
  const Page = PAGES[page][1];
  const saveKey = (key) => { sessionStorage.setItem(KEY, key); setNeedKey(null); setBanner(null); setGeneration((g) => g + 1); };
  return html`<header><h1>openbeta</h1>
      <nav aria-label="Console pages">${Object.entries(PAGES).map(([id, [title]]) => html`<a href=${`#/${id}`} aria-current=${page === id ? "page" : undefined}>${title}</a>`)}</nav>
      <span class="right">${sessionStorage.getItem(KEY) ? html`key set<button onClick=${() => { sessionStorage.removeItem(KEY); setNeedKey("Enter an API key."); }}>Forget key</button>` : ""}</span>
    </header>
    <main>
      ${banner && html`<div class="error" role="alert">${banner.message}<button style=${{ marginLeft: "1rem" }} onClick=${() => setBanner(null)}>Dismiss</button></div>`}
      ${crash && html`<div class="error" role="alert">The page hit an error: ${crash.message}<button style=${{ marginLeft: "1rem" }} onClick=${resetCrash}>Retry</button></div>`}
      ${needKey ? html`<${KeyDialog} message=${needKey} onSave=${saveKey} />`
        : !ready ? html`<p class="loading">Connecting…</p>` : !crash && html`<${Page} key=${`${page}-${generation}`} />`}
      ${viewing && html`<${FileViewer} key=${viewing} fileId=${viewing} onClose=${() => setViewing(null)} />`}
    </main>`;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
