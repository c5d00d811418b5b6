// See lane-request.h. One forward pass over the bytes; the only allocation is out->fields.
#include "lane-request.h"

#include <cstring>
#include <string_view>

#include "lane-ascii.h"

namespace nanoclaw {
namespace lane {

namespace {

constexpr size_t kMaxFields = 64;
constexpr size_t kMaxLengthDigits = 15;

bool ContainsNoCase(const unsigned char* s, size_t n, std::string_view lower) {
  for (size_t i = 0; i + lower.size() <= n; i++) {
    if (Lower(s[i]) == static_cast<unsigned char>(lower[0]) && EqualsNoCase(s + i, lower.size(), lower)) return true;
  }
  return false;
}

constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

// Methods are case-sensitive (RFC 9110 §9.1), as in the JavaScript parser.
bool KnownMethod(const unsigned char* s, size_t n, bool prefixOnly) {
  for (std::string_view m : kMethods) {
    if (prefixOnly ? n <= m.size() && std::memcmp(s, m.data(), n) == 0 : n == m.size() && std::memcmp(s, m.data(), n) == 0) {
      return true;
    }
  }
  return false;
}

// Checks one complete field line against the rules of lane-request.h and records it.
bool TakeField(const unsigned char* p, Span name, Span value, const Tables& tables, RequestHead* out, bool* sawHost) {
  const unsigned char* n = p + name.off;
  const unsigned char* v = p + value.off;
  if (out->fields.size() == kMaxFields) return false;
  for (const Field& f : out->fields) {
    if (f.name.len == name.len) {
      size_t i = 0;
      while (i < name.len && Lower(p[f.name.off + i]) == Lower(n[i])) i++;
      if (i == name.len) return false;
    }
  }
  // Hop-by-hop, framing, proxy and method-override fields: the JavaScript path gives each its own handling.
  if (InTable(tables.laneRefused, n, name.len)) return false;
  // The placeholder is replaced only on the JavaScript path, also inside a Basic pair.
  if (ContainsNoCase(v, value.len, tables.placeholder)) return false;
  if (StartsWithNoCase(v, value.len, "basic") && value.len > 5 && IsOws(v[5])) return false;
  if (EqualsNoCase(n, name.len, "host")) {
    // The lane routes by Host; an empty one is left to the JavaScript path's answer.
    if (value.len == 0) return false;
    out->host = value;
    *sawHost = true;
  } else if (EqualsNoCase(n, name.len, "content-length")) {
    if (value.len == 0 || value.len > kMaxLengthDigits) return false;
    int64_t length = 0;
    for (size_t i = 0; i < value.len; i++) {
      if (v[i] < '0' || v[i] > '9') return false;
      length = length * 10 + (v[i] - '0');
    }
    out->contentLength = length;
  } else if (EqualsNoCase(n, name.len, "connection")) {
    if (!EqualsNoCase(v, value.len, "keep-alive")) return false;
    out->connectionKeepAlive = true;
  }
  out->fields.push_back(Field{name, value});
  return true;
}

}  // namespace

HeadResult ParseRequestHead(const char* data, size_t len, size_t maxHeaderSize, const Tables& tables, RequestHead* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  if (!tables.configured || tables.placeholder.empty()) return HeadResult::kOther;
  if (len == 0) return HeadResult::kIncomplete;  // `data` may then be null
  out->fields.clear();
  out->fields.reserve(kMaxFields);
  out->host = Span{};
  out->contentLength = -1;
  out->connectionKeepAlive = false;
  // The JavaScript parser refuses a head whose CRLFCRLF starts past maxHeaderSize, and refuses
  // an unfinished one as soon as it holds maxHeaderSize + 4 bytes: nothing past them matters.
  const bool tooLong = len >= 4 && len - 4 >= maxHeaderSize;
  const size_t end = tooLong ? maxHeaderSize + 4 : len;
  const HeadResult more = tooLong ? HeadResult::kOther : HeadResult::kIncomplete;

  size_t i = 0;
  while (i < end && IsTchar(p[i])) i++;
  if (i == end) return KnownMethod(p, i, true) ? more : HeadResult::kOther;
  if (p[i] != ' ' || !KnownMethod(p, i, false)) return HeadResult::kOther;
  out->method = Span{0, i};

  const size_t targetStart = ++i;
  if (i < end && p[i] != '/') return HeadResult::kOther;
  while (i < end && p[i] >= 0x21 && p[i] <= 0x7e && p[i] != '#') i++;
  out->target = Span{targetStart, i - targetStart};

  constexpr std::string_view kVersion = " HTTP/1.1\r\n";
  for (size_t k = 0; k < kVersion.size(); k++, i++) {
    if (i == end) return more;
    if (p[i] != static_cast<unsigned char>(kVersion[k])) return HeadResult::kOther;
  }

  bool sawHost = false;
  for (;;) {
    const size_t lineStart = i;
    if (i == end) return more;
    if (p[i] == '\r') {
      if (i + 1 == end) return more;
      if (p[i + 1] != '\n') return HeadResult::kOther;
      if (!sawHost) return HeadResult::kOther;
      out->headLen = i + 2;
      return HeadResult::kOrdinary;
    }
    while (i < end && IsTchar(p[i])) i++;
    if (i == end) return more;
    // Also refuses obs-fold, an empty name and a space before the colon.
    if (p[i] != ':' || i == lineStart) return HeadResult::kOther;
    const Span name{lineStart, i - lineStart};
    i++;
    while (i < end && IsOws(p[i])) i++;
    const size_t valueStart = i;
    size_t valueEnd = i;
    while (i < end && ((p[i] >= 0x21 && p[i] <= 0x7e) || IsOws(p[i]))) {
      if (!IsOws(p[i])) valueEnd = i + 1;
      i++;
    }
    if (i == end) return more;
    if (p[i] != '\r') return HeadResult::kOther;
    if (++i == end) return more;
    if (p[i++] != '\n') return HeadResult::kOther;
    if (!TakeField(p, name, Span{valueStart, valueEnd - valueStart}, tables, out, &sawHost)) return HeadResult::kOther;
  }
}

}  // namespace lane
}  // namespace nanoclaw
