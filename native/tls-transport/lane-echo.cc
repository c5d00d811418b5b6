// See lane-echo.h. Mirrors EchoScanner in src/vault/gateway/echo-scanner.ts step by step; the
// differential test (lane-echo.native.test.ts) holds the two to the same bytes after every piece.
#include "lane-echo.h"

#include <algorithm>
#include <cstring>

#include "lane-ascii.h"

namespace nanoclaw {
namespace lane {

namespace {

// What an echo is overwritten with, byte for byte (ECHO_FILL in echo-scanner.ts), so a body keeps
// its length.
constexpr char kFill = '*';
constexpr size_t kNone = static_cast<size_t>(-1);

// First occurrence of `needle` in hay[from, n), or kNone. memchr finds candidates for the first
// byte, so a body without the form's first byte costs one memchr pass.
size_t Find(const char* hay, size_t n, size_t from, const std::string& needle) {
  const size_t m = needle.size();
  const char first = needle[0];
  while (from + m <= n) {
    const void* hit = memchr(hay + from, first, n - m + 1 - from);
    if (!hit) return kNone;
    size_t at = static_cast<const char*>(hit) - hay;
    if (memcmp(hay + at + 1, needle.data() + 1, m - 1) == 0) return at;
    from = at + 1;
  }
  return kNone;
}

}  // namespace

EchoScanner::EchoScanner(const std::vector<std::string>* forms, const std::vector<bool>* search)
    : forms_(*forms), search_(*search), next_(forms->size()) {}

std::vector<bool> EchoScanner::SearchFlags(const std::vector<std::string>& forms) {
  std::vector<bool> flags;
  for (const std::string& f : forms) {
    bool minimal = true;
    for (const std::string& g : forms) minimal = minimal && !(g.size() < f.size() && f.find(g) != std::string::npos);
    flags.push_back(minimal);
  }
  return flags;
}

EchoScanner::~EchoScanner() { Wipe(&tail_); }

void EchoScanner::Feed(const char* data, size_t len, std::string* out) {
  if (tail_.empty()) {
    Scan(data, len, false, out);
    return;
  }
  // The held bytes are a form's start: the piece must be seen after them. Reserved up front so
  // no reallocation strands a copy of them.
  std::string buf;
  buf.reserve(tail_.size() + len);
  buf.append(tail_).append(data, len);
  Wipe(&tail_);
  Scan(buf.data(), buf.size(), false, out);
  Wipe(&buf);
}

size_t EchoScanner::PassAsIs(const char* data, size_t len) {
  if (!tail_.empty()) return kNeedsFeed;
  for (size_t i = 0; i < forms_.size(); i++)
    if (search_[i] && Find(data, len, 0, forms_[i]) != kNone) return kNeedsFeed;
  const size_t keep = PartialSuffix(data, len, 0);
  if (keep > 0) tail_.assign(data + len - keep, keep);
  return len - keep;
}

void EchoScanner::End(std::string* out) {
  if (tail_.empty()) return;
  std::string buf;
  buf.swap(tail_);
  Scan(buf.data(), buf.size(), true, out);
  Wipe(&buf);
}

void EchoScanner::Scan(const char* buf, size_t n, bool final, std::string* out) {
  // next_[i]: where forms_[i] next occurs at or after the last search start; still right while it
  // is at or after pos, so each form is searched again only once pos has passed it.
  // Most pieces hold no form: a few searches say so (every form contains a searched one).
  bool any = false;
  for (size_t i = 0; i < forms_.size() && !any; i++) any = search_[i] && Find(buf, n, 0, forms_[i]) != kNone;
  if (any)
    for (size_t i = 0; i < forms_.size(); i++) next_[i] = Find(buf, n, 0, forms_[i]);
  size_t pos = 0;
  while (any) {
    size_t best = kNone;
    size_t best_len = 0;
    for (size_t i = 0; i < forms_.size(); i++) {
      if (next_[i] != kNone && next_[i] < pos) next_[i] = Find(buf, n, pos, forms_[i]);
      // Strictly earlier only: at one place the first form listed (the longest) wins, as in JS.
      if (next_[i] < best) {
        best = next_[i];
        best_len = forms_[i].size();
      }
    }
    if (best == kNone) break;
    // A shorter form at the very end may be the start of a longer one (base64 before its
    // padding): wait for the next piece rather than leave the padding behind.
    if (!final && CouldGrow(buf + best, n - best, best_len)) {
      out->append(buf + pos, best - pos);
      tail_.assign(buf + best, n - best);
      return;
    }
    out->append(buf + pos, best - pos);
    out->append(best_len, kFill);
    redacted_ = true;
    pos = best + best_len;
  }
  const size_t keep = final ? 0 : PartialSuffix(buf, n, pos);
  out->append(buf + pos, n - keep - pos);
  if (keep > 0) tail_.assign(buf + n - keep, keep);
}

bool EchoScanner::CouldGrow(const char* at, size_t rest, size_t len) const {
  for (const std::string& f : forms_) {
    if (f.size() > len && f.size() > rest && memcmp(at, f.data(), rest) == 0) return true;
  }
  return false;
}

size_t EchoScanner::PartialSuffix(const char* buf, size_t n, size_t from) const {
  // The longest suffix of buf[from, n) that is a proper prefix of some form: only those bytes
  // could still become a form, so everything before them leaves now.
  size_t keep = 0;
  for (const std::string& f : forms_) {
    size_t j = n + 1 > f.size() ? n + 1 - f.size() : 0;
    if (j < from) j = from;
    while (j + keep < n) {
      const void* hit = memchr(buf + j, f[0], n - keep - j);
      if (!hit) break;
      j = static_cast<const char*>(hit) - buf;
      if (memcmp(buf + j, f.data(), n - j) == 0) {
        keep = n - j;
        break;
      }
      j++;
    }
  }
  return keep;
}

}  // namespace lane
}  // namespace nanoclaw
