// The official openai npm package's realtime WebSocket clients (beta and GA) against a live openbeta
// server over TLS: a function call round trip, then a text answer. Prints the event types it saw as JSON.
// Usage: NODE_EXTRA_CA_CERTS=ca.pem node realtime.mjs https://127.0.0.1:PORT/v1 API_KEY beta|ga
import OpenAI from 'openai';
import { OpenAIRealtimeWS as BetaWS } from 'openai/beta/realtime/ws';
import { OpenAIRealtimeWS as GAWS } from 'openai/realtime/ws';

const [baseURL, apiKey, protocol] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey });
const beta = protocol === 'beta';
const rt = beta ? new BetaWS({ model: 'gpt-realtime' }, client) : new GAWS({ model: 'gpt-realtime' }, client);
const tool = {
  type: 'function', name: 'get_weather', description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};
const ask = 'SCRIPT: ' + JSON.stringify({
  tool_calls: [{ name: 'get_weather', arguments: { city: 'Lima' } }], after_tools: 'Lima is warm.',
});
const seen = { events: [], session: null, call: null, answer: '', errors: [] };
const timer = setTimeout(() => { console.error('timed out', JSON.stringify(seen)); process.exit(2); }, 30000);

rt.on('error', (err) => { seen.errors.push(err.message); });
rt.socket.on('open', () => {
  const session = beta ? { modalities: ['text'], tools: [tool] } : { type: 'realtime', output_modalities: ['text'], tools: [tool] };
  rt.send({ type: 'session.update', session });
  rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: ask }] } });
  rt.send({ type: 'response.create' });
});
rt.on('event', (event) => {
  seen.events.push(event.type);
  if (event.type === 'session.created') seen.session = event.session;
  if (event.type === 'response.text.delta' || event.type === 'response.output_text.delta') seen.answer += event.delta;
  if (event.type === 'response.function_call_arguments.done') seen.call = { name: event.name, arguments: JSON.parse(event.arguments), call_id: event.call_id };
  if (event.type === 'response.done' && seen.call && !seen.answer) {
    rt.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: seen.call.call_id, output: '{"temp": 24}' } });
    rt.send({ type: 'response.create' });
  } else if (event.type === 'response.done') {
    clearTimeout(timer);
    rt.close();
    console.log(JSON.stringify(seen));
  }
});
