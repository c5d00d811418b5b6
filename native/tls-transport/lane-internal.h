// What lane.cc (lifecycle), lane-forward.cc (requests) and lane-respond.cc (responses) share.
#pragma once

#include <openssl/crypto.h>

#include <cstring>
#include <string>

#include "lane.h"

namespace nanoclaw {
namespace laneimpl {

inline char Lower(char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch; }

inline bool EqualsLower(const char* s, size_t len, const char* lower) {
  size_t n = strlen(lower);
  if (n != len) return false;
  for (size_t i = 0; i < n; i++)
    if (Lower(s[i]) != lower[i]) return false;
  return true;
}

inline bool StartsLower(const char* s, size_t len, const char* lower) {
  size_t n = strlen(lower);
  if (len < n) return false;
  for (size_t i = 0; i < n; i++)
    if (Lower(s[i]) != lower[i]) return false;
  return true;
}

// Cleared, its bytes overwritten first (they may hold a value); a large buffer is given back,
// so an idle connection does not keep the capacity its biggest exchange needed.
inline void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(&(*s)[0], s->size());
  s->clear();
  if (s->capacity() > 4096) std::string().swap(*s);
}

Connection* Find(Transport* t, uint32_t id);
inline bool Gone(const Connection* c) { return c->destroyed || c->failed; }

// lane.cc
// Everything held goes to JavaScript as ordinary data; the lane waits to be armed again.
bool HandBack(Connection* c);
// A response the lane cannot carry: JavaScript goes on with the same upstream connection from
// the bytes read so far (`why`: null, "" for the upstream's end, or its failure).
bool Takeover(Connection* c, const std::string* why);

// lane-forward.cc: the next held request, forwarded when it is ordinary and JavaScript says so,
// else handed back.
bool ProcessHeld(Connection* c);

// lane-respond.cc
// The agent's response head into l->out; false when only the JavaScript path can answer it.
bool PlanResponse(Lane* l, const char* buf);
enum class BodyStep { kMore, kDone, kError };
// Consumes upstream body bytes into l->out; anything after the end of the response spoils the connection.
BodyStep Body(Lane* l, const char* data, size_t len);
// The end of the body: what the scanner held back, the last chunk.
void EndBody(Lane* l);

}  // namespace laneimpl
}  // namespace nanoclaw
