// The voice page's audio and socket: /v1/realtime (GA protocol) from the browser.
// Microphone in (AudioWorklet -> pcm16 24 kHz -> input_audio_buffer.append), speech out (pcm16 deltas
// played in order), live transcripts; speaking over the answer stops its playback (the server's VAD
// interrupts the response).

export const RATE = 24000;

function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function floatToPCM16Base64(samples) {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]));
    out[i] = v < 0 ? v * 0x8000 : v * 0x7fff;
  }
  return toBase64(new Uint8Array(out.buffer));
}

export function pcm16Base64ToFloat(b64) {
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  const pcm = new Int16Array(bytes.buffer, 0, bytes.length >> 1);
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] / 0x8000;
  return out;
}

export class VoiceSession {
  /** onEvent(event) gets every server event; onState(text) a short status. */
  constructor({ key, model, instructions, onEvent, onState }) {
    Object.assign(this, { key, model, instructions, onEvent, onState });
    this.playing = new Set();
    this.playAt = 0;
    this.spoken = 0;  // seconds of answer audio received
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const protocols = ["realtime"];
    if (this.key) protocols.push(`openai-insecure-api-key.${this.key}`);
    this.ws = new WebSocket(`${scheme}://${location.host}/v1/realtime?model=${encodeURIComponent(this.model)}`, protocols);
    this.onState("connecting");
    return new Promise((resolve, reject) => {
      this.ws.onopen = () => { this.onState("connected"); resolve(); };
      this.ws.onerror = () => reject(new Error("The realtime connection failed (check the API key)."));
      this.ws.onclose = (e) => { this.onState(`closed${e.reason ? `: ${e.reason}` : ""}`); this.stopMic(); };
      this.ws.onmessage = (m) => this.receive(JSON.parse(m.data));
    });
  }

  send(event) { if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(event)); }

  configure(audio) {
    const session = { type: "realtime", output_modalities: audio ? ["audio"] : ["text"] };
    if (this.instructions) session.instructions = this.instructions;
    if (audio) {
      session.audio = {
        input: { format: { type: "audio/pcm", rate: RATE }, transcription: { model: "whisper-1" },
                 turn_detection: { type: "server_vad", interrupt_response: true, create_response: true } },
        output: { format: { type: "audio/pcm", rate: RATE } },
      };
    }
    this.send({ type: "session.update", session });
  }

  sendText(text) {
    this.send({ type: "conversation.item.create",
                item: { type: "message", role: "user", content: [{ type: "input_text", text }] } });
    this.send({ type: "response.create" });
  }

  async startMic() {
    this.context = this.context || new AudioContext({ sampleRate: RATE });
    await this.context.resume();
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
    await this.context.audioWorklet.addModule("/console/pcm-worklet.js");
    this.source = this.context.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.context, "pcm-capture");
    let pending = []; let count = 0;
    this.node.port.onmessage = (e) => {  // about 100 ms per append
      pending.push(e.data); count += e.data.length;
      if (count < RATE / 10) return;
      const joined = new Float32Array(count); let at = 0;
      for (const part of pending) { joined.set(part, at); at += part.length; }
      pending = []; count = 0;
      this.send({ type: "input_audio_buffer.append", audio: floatToPCM16Base64(joined) });
    };
    this.source.connect(this.node);
    this.onState("listening");
  }

  stopMic() {
    if (this.source) this.source.disconnect();
    if (this.node) this.node.port.onmessage = null;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.source = this.node = this.stream = null;
  }

  play(b64, itemId) {
    if (!this.context) this.context = new AudioContext({ sampleRate: RATE });
    const samples = pcm16Base64ToFloat(b64);
    if (!samples.length) return;
    const buffer = this.context.createBuffer(1, samples.length, RATE);
    buffer.copyToChannel(samples, 0);
    const node = this.context.createBufferSource();
    node.buffer = buffer; node.connect(this.context.destination);
    this.playAt = Math.max(this.playAt, this.context.currentTime + 0.05);
    if (!this.current || this.current.itemId !== itemId) this.current = { itemId, start: this.playAt, seconds: 0 };
    this.current.seconds += buffer.duration;
    node.start(this.playAt); this.playAt += buffer.duration; this.spoken += buffer.duration;
    this.playing.add(node); node.onended = () => this.playing.delete(node);
  }

  stopPlayback() {
    for (const node of this.playing) { try { node.stop(); } catch { /* already ended */ } }
    this.playing.clear();
    if (this.context) this.playAt = this.context.currentTime;
  }

  /** Barge-in: stop the answer's audio and tell the server how much of it was heard. */
  interrupt() {
    const item = this.current;
    if (item && this.context && this.context.currentTime < this.playAt) {
      const heard = Math.min(item.seconds, Math.max(0, this.context.currentTime - item.start));
      this.send({ type: "conversation.item.truncate", item_id: item.itemId, content_index: 0,
                  audio_end_ms: Math.floor(heard * 1000) });
    }
    this.current = null;
    this.stopPlayback();
  }

  receive(event) {
    if (event.type === "input_audio_buffer.speech_started") this.interrupt();
    if (event.type === "response.output_audio.delta" || event.type === "response.audio.delta") this.play(event.delta, event.item_id);
    this.onEvent(event);
  }

  close() { this.stopMic(); this.stopPlayback(); if (this.ws) this.ws.close(); if (this.context) this.context.close(); }
}
