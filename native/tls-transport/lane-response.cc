// See lane-response.h. Every rule below mirrors src/vault/gateway/response-parser.ts (with
// message-head.ts and upstream-call.ts's keepAliveTimeoutMs); where native is narrower it says
// kOther and the JavaScript parser reads the same bytes.
#include "lane-response.h"

#include <cstring>

#include "lane-ascii.h"

namespace nanoclaw {
namespace lane {

namespace {

constexpr size_t kMaxHead = 16 * 1024;  // upstream-call.ts MAX_HEADER_SIZE
constexpr size_t kMaxFields = 128;
constexpr size_t kMaxLine = 4096;  // response-parser.ts MAX_LINE
// Number(digits) * 1000 stays an exact integer in JavaScript and in int64_t.
constexpr size_t kMaxTimeoutDigits = 12;

using Byte = unsigned char;

bool IsDigit(Byte c) { return c >= '0' && c <= '9'; }

int HexValue(Byte c) {
  if (c >= '0' && c <= '9') return c - '0';
  Byte l = c | 0x20;
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

// The JavaScript side's /(^|,)\s*close\s*(,|$)/i; values here hold no whitespace but SP/HTAB.
bool ListsClose(const Byte* v, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && v[i] != ',') continue;
    size_t s = start, e = i;
    while (s < e && IsOws(v[s])) s++;
    while (e > s && IsOws(v[e - 1])) e--;
    if (EqualsNoCase(v + s, e - s, "close")) return true;
    start = i + 1;
  }
  return false;
}

// The JavaScript side's /(?:^|[,\s])timeout=(\d+)/i: -1 when absent, -2 when too long to be
// sure both sides compute the same number.
int64_t TimeoutMs(const Byte* v, size_t len) {
  for (size_t i = 0; i + 8 < len; i++) {
    if (i > 0 && v[i - 1] != ',' && !IsOws(v[i - 1])) continue;
    if (!EqualsNoCase(v + i, 8, "timeout=") || !IsDigit(v[i + 8])) continue;
    size_t d = i + 8;
    int64_t n = 0;
    while (d < len && IsDigit(v[d])) {
      if (d - (i + 8) == kMaxTimeoutDigits) return -2;
      n = n * 10 + (v[d++] - '0');
    }
    return n * 1000;
  }
  return -1;
}

// `HTTP/1.1 SP 3DIGIT SP reason`, without its CRLF.
bool ParseStatusLine(const Byte* p, size_t len, ResponseHead* out) {
  if (len < 13 || std::memcmp(p, "HTTP/1.1 ", 9) != 0 || p[12] != ' ') return false;
  if (!IsDigit(p[9]) || !IsDigit(p[10]) || !IsDigit(p[11])) return false;
  out->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  // 1xx would be skipped by the JavaScript parser (101 refused); others are not ours.
  if (out->status < 200 || out->status > 599) return false;
  for (size_t i = 13; i < len; i++) {
    if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\t') return false;
  }
  out->reason = Span{13, len - 13};
  return true;
}

// One `name: value` line at [s, e) of p; the value restricted to what the request side accepts
// (no obs-text), so no byte can decode differently on the two sides.
bool ParseFieldLine(const Byte* p, size_t s, size_t e, Field* f) {
  size_t i = s;
  while (i < e && IsTchar(p[i])) i++;
  if (i == s || i == e || p[i] != ':') return false;
  f->name = Span{s, i - s};
  size_t vs = i + 1, ve = e;
  while (vs < ve && IsOws(p[vs])) vs++;
  while (ve > vs && IsOws(p[ve - 1])) ve--;
  for (size_t k = vs; k < ve; k++) {
    if ((p[k] < 0x21 || p[k] > 0x7e) && !IsOws(p[k])) return false;
  }
  f->value = Span{vs, ve - vs};
  return true;
}

}  // namespace

HeadResult ParseResponseHead(const char* data, size_t len, bool headRequest, ResponseHead* out) {
  const Byte* p = reinterpret_cast<const Byte*>(data);
  // The blank line must end within kMaxHead + 4 bytes; nothing past that needs looking at.
  const size_t limit = len < kMaxHead + 4 ? len : kMaxHead + 4;
  const HeadResult unfinished = len > kMaxHead + 4 ? HeadResult::kOther : HeadResult::kIncomplete;
  out->fields.clear();  // keeps its capacity for the connection's next response
  out->framing = Framing::kNone;
  out->length = 0;
  out->keepAliveMs = -1;
  bool sawLength = false, sawChunked = false, close = false;
  size_t pos = 0;
  for (bool first = true;; first = false) {
    const void* nl = std::memchr(p + pos, '\n', limit - pos);
    if (!nl) return unfinished;
    size_t eol = static_cast<size_t>(static_cast<const Byte*>(nl) - p);
    if (eol == pos || p[eol - 1] != '\r') return HeadResult::kOther;  // bare LF
    size_t end = eol - 1;
    if (first) {
      if (!ParseStatusLine(p, end, out)) return HeadResult::kOther;
    } else if (end == pos) {
      out->headLen = eol + 1;
      break;
    } else {
      if (out->fields.size() == kMaxFields) return HeadResult::kOther;
      Field f;
      if (!ParseFieldLine(p, pos, end, &f)) return HeadResult::kOther;
      const Byte* name = p + f.name.off;
      const Byte* value = p + f.value.off;
      if (EqualsNoCase(name, f.name.len, "content-length")) {
        if (sawLength || f.value.len < 1 || f.value.len > 15) return HeadResult::kOther;
        uint64_t n = 0;
        for (size_t k = 0; k < f.value.len; k++) {
          if (!IsDigit(value[k])) return HeadResult::kOther;
          n = n * 10 + (value[k] - '0');
        }
        sawLength = true;
        out->length = n;
      } else if (EqualsNoCase(name, f.name.len, "transfer-encoding")) {
        if (sawChunked || !EqualsNoCase(value, f.value.len, "chunked")) return HeadResult::kOther;
        sawChunked = true;
      } else if (EqualsNoCase(name, f.name.len, "connection")) {
        close = close || ListsClose(value, f.value.len);
      } else if (out->keepAliveMs < 0 && EqualsNoCase(name, f.name.len, "keep-alive")) {
        out->keepAliveMs = TimeoutMs(value, f.value.len);
        if (out->keepAliveMs == -2) return HeadResult::kOther;
      }
      out->fields.push_back(f);
    }
    pos = eol + 1;
  }
  if (sawLength && sawChunked) return HeadResult::kOther;
  out->reusable = !close;
  if (headRequest || out->status == 204 || out->status == 304) {
    out->framing = Framing::kNone;
    out->length = 0;
  } else if (sawChunked) {
    out->framing = Framing::kChunked;
    out->length = 0;
  } else if (sawLength) {
    out->framing = Framing::kLength;
  } else {
    return HeadResult::kOther;  // delimited by close
  }
  return HeadResult::kOrdinary;
}

namespace {

// response-parser.ts CHUNK_SIZE: 1 to 15 hex digits, then nothing or [ \t]*;[^\r\n]*.
bool ParseChunkSize(const Byte* p, size_t len, uint64_t* size) {
  size_t i = 0;
  uint64_t n = 0;
  for (int h; i < len && (h = HexValue(p[i])) >= 0; i++) {
    if (i == 15) return false;
    n = n << 4 | static_cast<uint64_t>(h);
  }
  if (i == 0) return false;
  if (i < len) {
    while (i < len && IsOws(p[i])) i++;
    if (i == len || p[i] != ';') return false;
    for (; i < len; i++) {
      if (p[i] == '\r' || p[i] == '\n') return false;
    }
  }
  *size = n;
  return true;
}

// message-head.ts splitFieldLine, as a yes/no: trailers are checked, then dropped. Unlike
// head values, obs-text is allowed, as the JavaScript parser allows it.
bool ValidTrailer(const Byte* p, size_t len) {
  size_t i = 0;
  while (i < len && IsTchar(p[i])) i++;
  if (i == 0 || i == len || p[i] != ':') return false;
  for (i++; i < len; i++) {
    if (p[i] < 0x20 ? p[i] != '\t' : p[i] == 0x7f) return false;
  }
  return true;
}

}  // namespace

// Lines and the CRLF after a chunk are judged when the JavaScript parser would judge them (when
// complete, or an unfinished line when its held bytes pass kMaxLine), so that both fail on the
// same piece. A line complete within one piece is read in place, not copied.
ChunkedDecoder::Status ChunkedDecoder::Feed(const char* data, size_t len, size_t* consumed, std::string* out) {
  const Byte* p = reinterpret_cast<const Byte*>(data);
  size_t pos = 0;
  auto fail = [&] {
    state_ = State::kError;
    *consumed = pos;
    return Status::kError;
  };
  while (pos < len) {
    switch (state_) {
      case State::kData: {
        size_t n = len - pos < remaining_ ? len - pos : static_cast<size_t>(remaining_);
        out->append(data + pos, n);
        pos += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataCrlf;
        break;
      }
      case State::kDataCrlf: {
        Byte cr = line_.empty() ? p[pos++] : static_cast<Byte>(line_[0]);
        if (pos == len) {
          line_.assign(1, static_cast<char>(cr));
          break;
        }
        if (cr != '\r' || p[pos] != '\n') return fail();
        pos++;
        line_.clear();
        state_ = State::kSize;
        break;
      }
      case State::kSize:
      case State::kTrailers: {
        // The LF of the line's CRLF; its CR may be the last byte held from an earlier piece.
        size_t lf = pos;
        for (;;) {
          const void* nl = std::memchr(p + lf, '\n', len - lf);
          if (!nl) {
            lf = len;
            break;
          }
          lf = static_cast<size_t>(static_cast<const Byte*>(nl) - p);
          Byte before = lf > pos ? p[lf - 1] : (line_.empty() ? 0 : static_cast<Byte>(line_.back()));
          if (before == '\r') break;
          lf++;
        }
        if (lf == len) {
          if (line_.size() + (len - pos) > kMaxLine) return fail();
          line_.append(data + pos, len - pos);
          pos = len;
          break;
        }
        const Byte* line;
        size_t lineLen;
        if (line_.empty()) {
          line = p + pos;
          lineLen = lf - 1 - pos;
        } else {
          line_.append(data + pos, lf - pos);
          line = reinterpret_cast<const Byte*>(line_.data());
          lineLen = line_.size() - 1;  // without the CR
        }
        pos = lf + 1;
        if (state_ == State::kTrailers) {
          if (lineLen == 0) {
            state_ = State::kDone;
            line_.clear();
            *consumed = pos;
            return Status::kDone;
          }
          if (lineLen > kMaxLine || !ValidTrailer(line, lineLen)) return fail();
        } else {
          if (!ParseChunkSize(line, lineLen, &remaining_)) return fail();
          state_ = remaining_ == 0 ? State::kTrailers : State::kData;
        }
        line_.clear();
        break;
      }
      case State::kDone:
        *consumed = pos;
        return Status::kDone;
      case State::kError:
        return fail();
    }
  }
  *consumed = pos;
  if (state_ == State::kDone) return Status::kDone;
  return state_ == State::kError ? Status::kError : Status::kNeedMore;
}

}  // namespace lane
}  // namespace nanoclaw
