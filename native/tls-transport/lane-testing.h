// Test-only entry points of the fast lane's pure parts, exported as `laneTesting.*` so the
// differential tests can hold them against the JavaScript implementations. Not used by the gateway.
#pragma once

#include <node_api.h>

namespace nanoclaw {
namespace lane {

// (head: Buffer, maxHeaderSize: number) → 'incomplete' | 'other' |
//   { headLen, method, target, host, contentLength, connectionKeepAlive, fields: [name, value, …] }
napi_value TestParseRequestHead(napi_env env, napi_callback_info info);
// (head: Buffer, headRequest: boolean) → 'incomplete' | 'other' |
//   { headLen, status, reason, framing: 'none'|'length'|'chunked', length, reusable, keepAliveMs, fields: [name, value, …] }
napi_value TestParseResponseHead(napi_env env, napi_callback_info info);
// (pieces: Buffer[]) → { status: 'more'|'done'|'error', body: Buffer, consumed: number (of the last piece fed) }
napi_value TestDechunk(napi_env env, napi_callback_info info);
// (forms: string[], pieces: Buffer[]) → { out: Buffer[] (one per piece, then one for the end), redacted: boolean }
napi_value TestEchoScan(napi_env env, napi_callback_info info);

}  // namespace lane
}  // namespace nanoclaw
