// The addon's side of the Node environment: the one event callback into JavaScript, the values
// it passes, and teardown when the environment goes away.
#include <string>
#include <vector>

#include "transport.h"

namespace nanoclaw {

namespace {

void OnTimerClosed(uv_handle_t* handle) { HandleClosed(static_cast<Transport*>(handle->data)); }

}  // namespace

// The environment is going away (process exit or a worker ending): every handle is closed and
// Node waits for their callbacks before it unloads the addon, which only then frees its state.
void AsyncCleanup(napi_async_cleanup_hook_handle hook, void* data) {
  Transport* t = static_cast<Transport*>(data);
  t->cleanupHook = hook;
  t->tearingDown = true;
  std::vector<Connection*> open;
  for (auto& entry : t->connections) open.push_back(entry.second);
  for (Connection* c : open) Destroy(c);
  for (Context& c : t->contexts) ReleaseContext(&c);
  SSL_CTX_free(t->sharedServer);
  t->sharedServer = nullptr;
  ClearSessions(t);
  if (t->callback) napi_delete_reference(t->env, t->callback);
  t->callback = nullptr;
  if (t->resource) napi_delete_reference(t->env, t->resource);
  t->resource = nullptr;
  t->closing++;
  t->deferTimer.data = t;
  uv_close(reinterpret_cast<uv_handle_t*>(&t->deferTimer), OnTimerClosed);
}

napi_value EmitFor(Connection* c, EventKind kind, napi_value arg, napi_value arg2) {
  Transport* t = c->transport;
  napi_env env = t->env;
  if (!t->callback || t->tearingDown) return nullptr;
  napi_value cb, recv, argv[4], result = nullptr, resource;
  napi_get_reference_value(env, t->callback, &cb);
  napi_get_undefined(env, &recv);
  napi_create_int32(env, kind, &argv[0]);
  napi_create_uint32(env, c->id, &argv[1]);
  argv[2] = arg;
  argv[3] = arg2;
  if (!arg) napi_get_undefined(env, &argv[2]);
  if (!arg2) napi_get_undefined(env, &argv[3]);
  napi_get_reference_value(env, t->resource, &resource);
  napi_callback_scope scope;
  // A callback scope, so promise jobs and nextTicks queued by the handler run after it.
  napi_open_callback_scope(env, resource, t->asyncContext, &scope);
  if (napi_call_function(env, recv, cb, 4, argv, &result) == napi_pending_exception) {
    napi_value ex;
    napi_get_and_clear_last_exception(env, &ex);
    napi_fatal_exception(env, ex);
    result = nullptr;
  }
  napi_close_callback_scope(env, scope);
  return result;
}

void Emit(Connection* c, EventKind kind, napi_value arg) { EmitFor(c, kind, arg, nullptr); }

void HandleClosed(Transport* t) {
  if (--t->closing > 0 || !t->tearingDown) return;
  if (t->asyncContext) napi_async_destroy(t->env, t->asyncContext);
  napi_remove_async_cleanup_hook(t->cleanupHook);
  delete t;
}

napi_value NewBuffer(Transport* t, const unsigned char* data, size_t len) {
  napi_value out;
  void* copy;
  napi_create_buffer_copy(t->env, len, data, &copy, &out);
  return out;
}

napi_value NewNumber(Transport* t, double v) {
  napi_value out;
  napi_create_double(t->env, v, &out);
  return out;
}

napi_value NewString(Transport* t, const std::string& s) {
  napi_value out;
  napi_create_string_utf8(t->env, s.data(), s.size(), &out);
  return out;
}


}  // namespace nanoclaw
