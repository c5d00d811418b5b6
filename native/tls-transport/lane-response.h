// The fast lane's response reader: the head of an upstream's response and the framing of its
// body. Conservative like lane-request.h: what it does not fully understand is kOther, and the
// exchange is then handed to the JavaScript path, which parses the same bytes itself (and
// answers 502 where they are malformed). It must never accept what that path refuses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lane-request.h"

namespace nanoclaw {
namespace lane {

enum class Framing { kNone, kLength, kChunked };

struct ResponseHead {
  size_t headLen = 0;  // bytes up to and including the blank line
  int status = 0;
  Span reason;                 // may be empty
  std::vector<Field> fields;   // in order, as sent
  Framing framing = Framing::kNone;
  uint64_t length = 0;         // kLength only
  bool reusable = false;       // the connection may carry another request after this response
  int64_t keepAliveMs = -1;    // `Keep-Alive: timeout=N` as N * 1000, else -1
};

// kOrdinary only when every one of these holds (else kOther):
// - the status line is `HTTP/1.1 SP 3DIGIT SP reason` (reason may be empty; bytes 0x20..0x7E
//   and HTAB) with the status 200..599;
// - lines end in CRLF; field lines as for requests (token name, no obs-fold, no CTL, no
//   obs-text), at most 128 fields; the head at most 16 KiB before its blank line;
// - Content-Length at most once (1 to 15 digits), Transfer-Encoding at most once and then
//   exactly `chunked` (any case), never both;
// - framing: none for a HEAD request, 204 or 304 (any length header is then ignored, as the
//   JavaScript parser does); else chunked, else Content-Length; a response with neither
//   (delimited by close) is kOther.
// - a Keep-Alive `timeout=` of at most 12 digits (beyond, JavaScript's arithmetic is not exact);
// reusable: false when a Connection field lists `close` (any case), else true.
// kIncomplete only when no CRLFCRLF is in `data` yet and len <= 16 KiB + 4.
HeadResult ParseResponseHead(const char* data, size_t len, bool headRequest, ResponseHead* out);

// A chunked body, decoded incrementally with exactly the JavaScript parser's rules, so that it
// fails where that parser fails on the same pieces: chunk-size of at most 15 hex digits,
// extensions allowed; a line is refused once more than 4096 of its bytes are held unfinished
// (a whole line arriving in one piece is not), and a complete trailer line over 4096 bytes;
// trailer fields checked as header fields and dropped, with no limit on their number.
class ChunkedDecoder {
 public:
  enum class Status { kNeedMore, kDone, kError };
  // Consumes from `data`, appending the payload to `out`; `*consumed` says how many bytes were
  // used (all of them unless kDone: bytes after the body are left). kError: malformed body;
  // nothing more may be fed.
  Status Feed(const char* data, size_t len, size_t* consumed, std::string* out);

 private:
  enum class State { kSize, kData, kDataCrlf, kTrailers, kDone, kError };
  State state_ = State::kSize;
  uint64_t remaining_ = 0;
  std::string line_;  // an unfinished size or trailer line
};

}  // namespace lane
}  // namespace nanoclaw
