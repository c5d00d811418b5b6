// See lane-echo.h. Mirrors EchoScanner in src/vault/gateway/echo-scanner.ts step by step; the
// differential test (lane-echo.native.test.ts) holds the two to the same bytes after every piece.
#include "lane-echo.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "lane-testing.h"

namespace nanoclaw {
namespace lane {

namespace {

constexpr char kRedacted[] = "[REDACTED]";
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

// Never leaves a copy of a secret behind in memory the allocator hands out again.
void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(&(*s)[0], s->size());
  s->clear();
}

}  // namespace

EchoScanner::EchoScanner(std::vector<std::string> forms) : forms_(std::move(forms)) {
  // echoForms() never yields an empty form (it keeps 4 characters and more); an empty one would
  // match everywhere and make no progress, in the JavaScript scanner as here.
  forms_.erase(std::remove_if(forms_.begin(), forms_.end(), [](const std::string& f) { return f.empty(); }),
               forms_.end());
  next_.resize(forms_.size());
}

EchoScanner::~EchoScanner() {
  for (std::string& f : forms_) Wipe(&f);
  Wipe(&tail_);
}

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
  for (size_t i = 0; i < forms_.size(); i++) next_[i] = Find(buf, n, 0, forms_[i]);
  size_t pos = 0;
  for (;;) {
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
    out->append(kRedacted, sizeof(kRedacted) - 1);
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

namespace {

napi_value ThrowType(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_NANOCLAW_LANE", message);
  return nullptr;
}

bool Utf8(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->assign(len, '\0');
  return napi_get_value_string_utf8(env, v, &(*out)[0], len + 1, &len) == napi_ok;
}

bool ArrayLength(napi_env env, napi_value v, uint32_t* len) {
  bool is_array = false;
  return napi_is_array(env, v, &is_array) == napi_ok && is_array &&
         napi_get_array_length(env, v, len) == napi_ok;
}

napi_value NewBuffer(napi_env env, const std::string& bytes) {
  napi_value b = nullptr;
  void* data = nullptr;
  if (napi_create_buffer(env, bytes.size(), &data, &b) != napi_ok) return nullptr;
  if (!bytes.empty()) memcpy(data, bytes.data(), bytes.size());
  return b;
}

}  // namespace

napi_value TestEchoScan(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2] = {};
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  uint32_t form_count = 0, piece_count = 0;
  if (argc < 2 || !ArrayLength(env, argv[0], &form_count) || !ArrayLength(env, argv[1], &piece_count)) {
    return ThrowType(env, "echoScan(forms: string[], pieces: Buffer[])");
  }
  std::vector<std::string> forms(form_count);
  for (uint32_t i = 0; i < form_count; i++) {
    napi_value v;
    if (napi_get_element(env, argv[0], i, &v) != napi_ok || !Utf8(env, v, &forms[i])) {
      return ThrowType(env, "echoScan: forms must be strings");
    }
  }
  EchoScanner scanner(std::move(forms));
  napi_value outs;
  napi_create_array_with_length(env, piece_count + 1, &outs);
  std::string out;
  for (uint32_t i = 0; i <= piece_count; i++) {
    out.clear();
    if (i < piece_count) {
      napi_value v;
      bool is_buffer = false;
      void* data = nullptr;
      size_t len = 0;
      if (napi_get_element(env, argv[1], i, &v) != napi_ok || napi_is_buffer(env, v, &is_buffer) != napi_ok ||
          !is_buffer || napi_get_buffer_info(env, v, &data, &len) != napi_ok) {
        return ThrowType(env, "echoScan: pieces must be Buffers");
      }
      scanner.Feed(static_cast<const char*>(data), len, &out);
    } else {
      scanner.End(&out);
    }
    napi_value b = NewBuffer(env, out);
    if (!b) return nullptr;
    napi_set_element(env, outs, i, b);
  }
  napi_value result, redacted;
  napi_create_object(env, &result);
  napi_get_boolean(env, scanner.redacted(), &redacted);
  napi_set_named_property(env, result, "out", outs);
  napi_set_named_property(env, result, "redacted", redacted);
  return result;
}

}  // namespace lane
}  // namespace nanoclaw
