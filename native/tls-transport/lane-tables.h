// The tables of header names the fast lane reads. They are defined once, in TypeScript
// (src/vault/gateway/wire-tables.ts), and handed over by `configure` when the addon loads
// (native-tls/binding.ts): the C++ has no copy of its own. Until they are given the lane takes
// nothing (laneArm throws, ParseRequestHead answers kOther).
#pragma once

#include <string>
#include <vector>

#include "lane-ascii.h"

namespace nanoclaw {
namespace lane {

struct Tables {
  bool configured = false;
  std::vector<std::string> hopByHop;     // lower case: dropped from what the lane passes on
  std::vector<std::string> laneRefused;  // lower case: a request with one is the JavaScript path's
  std::string placeholder;               // lower case: a request with it in a value is the JavaScript path's
};

// `name` (any case) is one of `lower` (lower-case names).
inline bool InTable(const std::vector<std::string>& lower, const unsigned char* name, size_t len) {
  for (const std::string& entry : lower)
    if (EqualsNoCase(name, len, entry)) return true;
  return false;
}
inline bool InTable(const std::vector<std::string>& lower, const char* name, size_t len) {
  return InTable(lower, reinterpret_cast<const unsigned char*>(name), len);
}

}  // namespace lane
}  // namespace nanoclaw
