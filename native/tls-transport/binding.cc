// N-API glue: argument checking, ids for contexts and connections, and the one event callback.
#include <openssl/err.h>

#include "lane-ascii.h"
#include "lane-testing.h"
#include "lane.h"
#include "napi-values.h"
#include "transport.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nanoclaw {

namespace {

#define ARGS(n)                 \
  size_t argc = n;              \
  napi_value argv[n] = {};      \
  Transport* t = nullptr;       \
  napi_get_cb_info(env, info, &argc, argv, nullptr, reinterpret_cast<void**>(&t))

napi_value Throw(napi_env env, const std::string& message) {
  napi_throw_error(env, "ERR_NANOCLAW_TLS", message.c_str());
  return nullptr;
}

bool GetString(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->assign(len, '\0');
  return napi_get_value_string_utf8(env, v, out->data(), len + 1, &len) == napi_ok;
}

int32_t GetInt(napi_env env, napi_value v, int32_t fallback = -1) {
  int32_t out = fallback;
  if (napi_get_value_int32(env, v, &out) != napi_ok) return fallback;
  return out;
}

Context* ContextArg(Transport* t, napi_env env, napi_value v) {
  int32_t id = GetInt(env, v);
  if (id < 0 || static_cast<size_t>(id) >= t->contexts.size()) return nullptr;
  Context* c = &t->contexts[static_cast<size_t>(id)];
  return c->ctx || c->cert ? c : nullptr;
}

Connection* ConnectionArg(Transport* t, napi_env env, napi_value v) {
  uint32_t id = 0;
  if (napi_get_value_uint32(env, v, &id) != napi_ok) return nullptr;
  auto it = t->connections.find(id);
  return it == t->connections.end() ? nullptr : it->second;
}

napi_value AddContext(Transport* t, napi_env env, const Context& c, const std::string& error) {
  if (!c.ctx && !c.cert) return Throw(env, error);
  t->contexts.push_back(c);
  return Uint(env, static_cast<uint32_t>(t->contexts.size() - 1));
}

napi_value Init(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (t->callback) napi_delete_reference(env, t->callback);
  napi_create_reference(env, argv[0], 1, &t->callback);
  return nullptr;
}

napi_value ServerContext(napi_env env, napi_callback_info info) {
  ARGS(2);
  std::string cert, key, error;
  if (!GetString(env, argv[0], &cert) || !GetString(env, argv[1], &key)) return Throw(env, "expected two PEM strings");
  Context leaf;
  NewServerLeaf(t, cert, key, &leaf, &error);
  return AddContext(t, env, leaf, error);
}

napi_value ClientContext(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint32_t n = 0;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok) return Throw(env, "expected an array of PEM strings");
  std::vector<std::string> pems(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, argv[0], i, &e);
    if (!GetString(env, e, &pems[i])) return Throw(env, "expected an array of PEM strings");
  }
  std::string error;
  Context client;
  client.ctx = NewClientContext(pems, &error);
  return AddContext(t, env, client, error);
}

napi_value FreeContext(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (Context* c = ContextArg(t, env, argv[0])) {
    // Client sessions are keyed by their context's address, which a new context may reuse.
    if (c->ctx) ClearSessions(t);
    ReleaseContext(c);
  }
  return nullptr;
}

napi_value AdoptJs(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t fd = GetInt(env, argv[0]);
  Context* leaf = ContextArg(t, env, argv[1]);
  if (fd < 0 || !leaf || !leaf->cert) return Throw(env, "expected a descriptor and a server context");
  unsigned char* head = nullptr;
  size_t headLen = 0;
  bool isBuffer = false;
  napi_is_buffer(env, argv[2], &isBuffer);
  if (isBuffer) napi_get_buffer_info(env, argv[2], reinterpret_cast<void**>(&head), &headLen);
  std::string error;
  Connection* c = Adopt(t, fd, *leaf, head, headLen, &error);
  return c ? Uint(env, c->id) : Throw(env, error);
}

napi_value ConnectJs(napi_env env, napi_callback_info info) {
  ARGS(5);
  std::string address, servername, verifyName, error;
  int32_t port = GetInt(env, argv[1]);
  Context* client = ContextArg(t, env, argv[4]);
  if (!GetString(env, argv[0], &address) || !GetString(env, argv[2], &servername) ||
      !GetString(env, argv[3], &verifyName) || port <= 0 || port > 65535 || !client || client->cert) {
    return Throw(env, "expected address, port, servername, verifyName and a client context");
  }
  Connection* c = Dial(t, address, port, servername, verifyName, client->ctx, &error);
  return c ? Uint(env, c->id) : Throw(env, error);
}

napi_value WriteJs(napi_env env, napi_callback_info info) {
  ARGS(2);
  Connection* c = ConnectionArg(t, env, argv[0]);
  char* data = nullptr;
  size_t len = 0;
  if (napi_get_buffer_info(env, argv[1], reinterpret_cast<void**>(&data), &len) != napi_ok) {
    return Throw(env, "expected a Buffer");
  }
  if (!c) return Bool(env, false);
  return Bool(env, len == 0 ? c->queued < kHighWater : Write(c, data, len));
}

napi_value EndJs(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (Connection* c = ConnectionArg(t, env, argv[0])) End(c);
  return nullptr;
}

napi_value SetPausedJs(napi_env env, napi_callback_info info) {
  ARGS(2);
  bool paused = false;
  napi_get_value_bool(env, argv[1], &paused);
  if (Connection* c = ConnectionArg(t, env, argv[0])) SetPaused(c, paused);
  return nullptr;
}

napi_value DestroyJs(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (Connection* c = ConnectionArg(t, env, argv[0])) Destroy(c);
  return nullptr;
}

napi_value PipeJs(napi_env env, napi_callback_info info) {
  ARGS(3);
  Connection* from = ConnectionArg(t, env, argv[0]);
  Connection* to = ConnectionArg(t, env, argv[1]);
  double bytes = 0;
  napi_get_value_double(env, argv[2], &bytes);
  if (!from || !to || from == to || !from->secure || !(bytes > 0) || from->pipeTo != 0) {
    return Throw(env, "pipe needs two open connections, the first secure and not already piping, and a byte count");
  }
  Pipe(from, to, static_cast<uint64_t>(bytes));
  return nullptr;
}

// A table entry as the lane compares it: lower case, printable ASCII, not empty; names are tokens.
bool TableEntry(const std::string& s, bool name) {
  if (s.empty() || s.size() > 256) return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 'A' && c <= 'Z') return false;
    if (name ? !lane::IsTchar(c) : (c < 0x21 || c > 0x7e)) return false;
  }
  return true;
}

bool NameList(napi_env env, napi_value tables, const char* key, std::vector<std::string>* out) {
  napi_value list;
  bool isArray = false;
  uint32_t n = 0;
  if (napi_get_named_property(env, tables, key, &list) != napi_ok || napi_is_array(env, list, &isArray) != napi_ok || !isArray ||
      napi_get_array_length(env, list, &n) != napi_ok) {
    return false;
  }
  out->clear();
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    std::string s;
    if (napi_get_element(env, list, i, &v) != napi_ok || !GetString(env, v, &s) || !TableEntry(s, true)) return false;
    out->push_back(std::move(s));
  }
  return true;
}

// The tables of src/vault/gateway/wire-tables.ts (lane-tables.h); replaces any given before.
napi_value ConfigureJs(napi_env env, napi_callback_info info) {
  ARGS(1);
  lane::Tables tables;
  napi_value placeholder;
  if (!NameList(env, argv[0], "hopByHop", &tables.hopByHop) || !NameList(env, argv[0], "laneRefused", &tables.laneRefused) ||
      napi_get_named_property(env, argv[0], "placeholder", &placeholder) != napi_ok ||
      !GetString(env, placeholder, &tables.placeholder) || !TableEntry(tables.placeholder, false)) {
    napi_throw_type_error(env, "ERR_NANOCLAW_TLS",
                          "configure expects { hopByHop: string[], laneRefused: string[], placeholder: string }, lower case");
    return nullptr;
  }
  tables.configured = true;
  t->laneTables = std::move(tables);
  return nullptr;
}

napi_value LaneArmJs(napi_env env, napi_callback_info info) {
  ARGS(3);
  if (!t->laneTables.configured) return Throw(env, "the fast lane's tables were not given (configure)");
  Connection* c = ConnectionArg(t, env, argv[0]);
  std::string host;
  int32_t maxHeaderSize = GetInt(env, argv[2]);
  if (!GetString(env, argv[1], &host) || maxHeaderSize <= 0) return Throw(env, "expected an id, the accepted Host and a head size");
  if (c && c->server && c->secure && !c->failed && c->pipeTo == 0) LaneArm(c, host, static_cast<size_t>(maxHeaderSize));
  return nullptr;
}

napi_value ProgressJs(napi_env env, napi_callback_info info) {
  ARGS(1);
  Connection* c = ConnectionArg(t, env, argv[0]);
  napi_value out;
  napi_create_double(env, c ? c->progress : -1, &out);
  return out;
}

napi_value InfoJs(napi_env env, napi_callback_info info) {
  ARGS(1);
  Connection* c = ConnectionArg(t, env, argv[0]);
  napi_value out;
  if (!c) {
    napi_get_null(env, &out);
    return out;
  }
  napi_create_object(env, &out);
  const char* sni = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
  const unsigned char* alpn = nullptr;
  unsigned int alpnLen = 0;
  SSL_get0_alpn_selected(c->ssl, &alpn, &alpnLen);
  napi_set_named_property(env, out, "servername", NewString(t, sni ? sni : ""));
  napi_set_named_property(env, out, "alpn", NewString(t, std::string(reinterpret_cast<const char*>(alpn), alpnLen)));
  napi_set_named_property(env, out, "protocol", NewString(t, SSL_get_version(c->ssl)));
  napi_set_named_property(env, out, "reused", Bool(env, SSL_session_reused(c->ssl) == 1));
  return out;
}

napi_value CountsJs(napi_env env, napi_callback_info info) {
  ARGS(0);
  uint32_t contexts = 0;
  for (const Context& c : t->contexts) contexts += c.ctx || c.cert ? 1 : 0;
  napi_value out;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "connections", Uint(env, static_cast<uint32_t>(t->connections.size())));
  napi_set_named_property(env, out, "contexts", Uint(env, contexts));
  return out;
}

napi_value RotateServerContextJs(napi_env env, napi_callback_info info) {
  ARGS(0);
  std::string error;
  if (!RotateServerContext(t, &error)) return Throw(env, error);
  return nullptr;
}

napi_value TrimMemoryJs(napi_env env, napi_callback_info info) {
  ARGS(0);
  for (auto& [id, c] : t->connections) LaneTrim(c);
#if defined(__GLIBC__)
  return Bool(env, malloc_trim(0) == 1);
#else
  return Bool(env, false);
#endif
}

}  // namespace

}  // namespace nanoclaw

static napi_value InitModule(napi_env env, napi_value exports) {
  using namespace nanoclaw;
  Transport* t = new Transport();
  t->env = env;
  napi_get_uv_event_loop(env, &t->loop);
  uv_timer_init(t->loop, &t->deferTimer);
  uv_unref(reinterpret_cast<uv_handle_t*>(&t->deferTimer));
  napi_value name, resource;
  napi_create_string_utf8(env, "nanoclaw:tls", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  napi_async_init(env, resource, name, &t->asyncContext);
  napi_create_reference(env, resource, 1, &t->resource);
  napi_add_async_cleanup_hook(env, AsyncCleanup, t, nullptr);
  napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, t},
      {"configure", nullptr, ConfigureJs, nullptr, nullptr, nullptr, napi_default, t},
      {"serverContext", nullptr, ServerContext, nullptr, nullptr, nullptr, napi_default, t},
      {"clientContext", nullptr, ClientContext, nullptr, nullptr, nullptr, napi_default, t},
      {"freeContext", nullptr, FreeContext, nullptr, nullptr, nullptr, napi_default, t},
      {"adopt", nullptr, AdoptJs, nullptr, nullptr, nullptr, napi_default, t},
      {"connect", nullptr, ConnectJs, nullptr, nullptr, nullptr, napi_default, t},
      {"write", nullptr, WriteJs, nullptr, nullptr, nullptr, napi_default, t},
      {"end", nullptr, EndJs, nullptr, nullptr, nullptr, napi_default, t},
      {"setPaused", nullptr, SetPausedJs, nullptr, nullptr, nullptr, napi_default, t},
      {"destroy", nullptr, DestroyJs, nullptr, nullptr, nullptr, napi_default, t},
      {"info", nullptr, InfoJs, nullptr, nullptr, nullptr, napi_default, t},
      {"pipe", nullptr, PipeJs, nullptr, nullptr, nullptr, napi_default, t},
      {"laneArm", nullptr, LaneArmJs, nullptr, nullptr, nullptr, napi_default, t},
      {"progress", nullptr, ProgressJs, nullptr, nullptr, nullptr, napi_default, t},
      {"counts", nullptr, CountsJs, nullptr, nullptr, nullptr, napi_default, t},
      {"trimMemory", nullptr, TrimMemoryJs, nullptr, nullptr, nullptr, napi_default, t},
      {"rotateServerContext", nullptr, RotateServerContextJs, nullptr, nullptr, nullptr, napi_default, t},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value testing;
  napi_create_object(env, &testing);
  napi_property_descriptor tests[] = {
      {"parseRequestHead", nullptr, lane::TestParseRequestHead, nullptr, nullptr, nullptr, napi_default, t},
      {"parseResponseHead", nullptr, lane::TestParseResponseHead, nullptr, nullptr, nullptr, napi_default, t},
      {"dechunk", nullptr, lane::TestDechunk, nullptr, nullptr, nullptr, napi_default, t},
      {"echoScan", nullptr, lane::TestEchoScan, nullptr, nullptr, nullptr, napi_default, t},
  };
  napi_define_properties(env, testing, sizeof tests / sizeof tests[0], tests);
  napi_set_named_property(env, exports, "laneTesting", testing);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, InitModule)
