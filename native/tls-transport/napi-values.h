// JavaScript values from C++ ones, for binding.cc and lane-testing.cc. Statuses go unchecked:
// these fail only with an exception already pending, which JavaScript then sees.
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

}  // namespace nanoclaw
