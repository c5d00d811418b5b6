// N-API values to and from C++ ones, for binding.cc, lane-forward.cc and lane-testing.cc. Statuses
// of the creators go unchecked: they fail only with an exception already pending, which JavaScript then sees.
#pragma once

#include <node_api.h>

#include <cstdint>

namespace nanoclaw {

inline napi_value Uint(napi_env env, uint32_t v) {
  napi_value r;
  napi_create_uint32(env, v, &r);
  return r;
}

inline napi_value Num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

inline napi_value Bool(napi_env env, bool v) {
  napi_value r;
  napi_get_boolean(env, v, &r);
  return r;
}

// A Buffer argument's bytes; an empty Buffer gives "" rather than null, so callees may always read `data`.
inline bool BufferArg(napi_env env, napi_value v, const char** data, size_t* len) {
  bool is = false;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) return false;
  void* d = nullptr;
  if (napi_get_buffer_info(env, v, &d, len) != napi_ok) return false;
  *data = *len ? static_cast<const char*>(d) : "";
  return true;
}

}  // namespace nanoclaw
