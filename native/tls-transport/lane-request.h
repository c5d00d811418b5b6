// The fast lane's request recognizer: decides whether a request head is one the native
// engine may forward itself, conservatively. Anything it does not fully understand is
// kOther and goes to the JavaScript path, which refuses or handles it exactly as before;
// so this must never call kOrdinary a head that path would refuse or treat differently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lane-tables.h"

namespace nanoclaw {
namespace lane {

struct Span {
  size_t off = 0;  // from the start of the buffer given to the parser
  size_t len = 0;
};

struct Field {
  Span name;   // as sent (any case)
  Span value;  // without leading and trailing spaces and tabs
};

enum class HeadResult {
  kIncomplete,  // no CRLFCRLF yet, and the bytes so far are within maxHeaderSize
  kOrdinary,    // `out` is filled in
  kOther,       // not for the fast lane (unusual, unsupported or malformed)
};

struct RequestHead {
  size_t headLen = 0;  // bytes up to and including the blank line
  Span method;
  Span target;
  std::vector<Field> fields;    // in order; Host included
  Span host;                    // the Host value
  int64_t contentLength = -1;   // -1: no Content-Length header (no body)
  bool connectionKeepAlive = false;  // a `Connection: keep-alive` field is present (it is dropped upstream)
};

// kOrdinary only when every one of these holds (else kOther):
// - the request line is `METHOD SP target SP HTTP/1.1` with METHOD one of GET HEAD POST PUT
//   PATCH DELETE OPTIONS, and target an origin-form path: starts with '/', bytes 0x21..0x7E
//   only, no '#';
// - no empty line before it; lines end in CRLF (a bare CR or LF anywhere is kOther);
// - each field line is `token ":" OWS value OWS`, the name an RFC 9110 token, the value of
//   bytes 0x21..0x7E plus SP and HTAB inside (no CTL, no obs-text >= 0x80), no obs-fold;
// - at most 64 fields; no field name appears twice (compared without case);
// - exactly one Host; Content-Length at most once, 1 to 15 digits;
// - no field is named in tables.laneRefused (Transfer-Encoding, Upgrade, Expect, the
//   method-override headers, …: wire-tables.ts);
// - Connection, if present, is exactly `keep-alive` (any case);
// - no value contains tables.placeholder (any case), and no value begins with `basic` (any
//   case) followed by a space or tab: the placeholder may hide in a Basic pair;
// - the tables were configured;
// - the head, request line included, is at most maxHeaderSize bytes before its blank line.
// kIncomplete only when no CRLFCRLF is in `data` yet, nothing seen so far already makes it
// kOther, and len <= maxHeaderSize + 4.
HeadResult ParseRequestHead(const char* data, size_t len, size_t maxHeaderSize, const Tables& tables, RequestHead* out);

}  // namespace lane
}  // namespace nanoclaw
