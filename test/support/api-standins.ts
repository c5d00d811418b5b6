/**
 * ESM source of a test upstream handler standing in for api.anthropic.com (the messages API,
 * streamed as server-sent events or whole) and api.openai.com (responses and chat completions),
 * each answering 401 as the real one does unless it gets the real credential: Anthropic an
 * `x-api-key` or an OAuth `Authorization: Bearer`, OpenAI a Bearer key. Other hosts get the echo.
 */
export interface ApiStandInOptions {
  anthropicKey: string;
  anthropicOauth: string;
  openaiKey: string;
  /** What every model answers. */
  reply: string;
}

export function apiStandIns(o: ApiStandInOptions): string {
  return String.raw`
const O = ${JSON.stringify(o)};
const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

function anthropic(req, res, body) {
  const ok = req.headers['x-api-key'] === O.anthropicKey || req.headers.authorization === 'Bearer ' + O.anthropicOauth;
  if (!ok) return json(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
  if (!req.url.startsWith('/v1/messages') || req.url.startsWith('/v1/messages/')) return json(res, 200, {});
  const message = { id: 'msg_standin', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } };
  if (!body.stream) return json(res, 200, { ...message, content: [{ type: 'text', text: O.reply }], stop_reason: 'end_turn' });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const events = [
    ['message_start', { message }],
    ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
    // Two deltas, so a client that streams has something to stream.
    ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: O.reply.slice(0, 4) } }],
    ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: O.reply.slice(4) } }],
    ['content_block_stop', { index: 0 }],
    ['message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }],
    ['message_stop', {}],
  ];
  for (const [type, data] of events) res.write('event: ' + type + '\ndata: ' + JSON.stringify({ type, ...data }) + '\n\n');
  res.end();
}

function openai(req, res, body) {
  if (req.headers.authorization !== 'Bearer ' + O.openaiKey) {
    return json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
  }
  const created = Math.floor(Date.now() / 1000);
  if (req.url.startsWith('/v1/responses')) {
    return json(res, 200, {
      id: 'resp_standin', object: 'response', created_at: created, status: 'completed', model: body.model,
      output: [{ type: 'message', id: 'msg_standin', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: O.reply, annotations: [] }] }],
      usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
    });
  }
  if (req.url.startsWith('/v1/chat/completions')) {
    return json(res, 200, {
      id: 'chatcmpl-standin', object: 'chat.completion', created, model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: O.reply }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  }
  return json(res, 404, { error: { message: 'not in the stand-in', type: 'invalid_request_error' } });
}

export default (req, res, recorded) => {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  let body = {};
  try { body = JSON.parse(recorded.body.toString('utf8') || '{}'); } catch {}
  if (host === 'api.anthropic.com') return anthropic(req, res, body);
  if (host === 'api.openai.com') return openai(req, res, body);
  return json(res, 200, { ok: true, path: req.url });
};
`;
}
