// ASCII byte helpers of the fast lane's parsers. HTTP names and tokens are ASCII: a byte of
// 0x80 and above is never lower-cased, never OWS and never a tchar, whatever char's signedness,
// so each helper takes `const unsigned char*` and has a `const char*` twin that agrees with it.
#pragma once

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace nanoclaw {
namespace lane {

inline unsigned char Lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
inline char Lower(char c) { return static_cast<char>(Lower(static_cast<unsigned char>(c))); }

// RFC 9110 §5.6.3 OWS.
inline bool IsOws(unsigned char c) { return c == ' ' || c == '\t'; }
inline bool IsOws(char c) { return IsOws(static_cast<unsigned char>(c)); }

// RFC 9110 §5.6.2 tchar.
inline constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; c++) t[c] = true;
  for (int c = 'A'; c <= 'Z'; c++) t[c] = t[c + 32] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

inline bool IsTchar(unsigned char c) { return kTchar[c]; }
inline bool IsTchar(char c) { return IsTchar(static_cast<unsigned char>(c)); }

// s[0, n) equals `lower` but for the case of ASCII letters; `lower` must be lower case.
inline bool EqualsNoCase(const unsigned char* s, size_t n, std::string_view lower) {
  if (n != lower.size()) return false;
  for (size_t i = 0; i < n; i++) {
    if (Lower(s[i]) != static_cast<unsigned char>(lower[i])) return false;
  }
  return true;
}
inline bool EqualsNoCase(const char* s, size_t n, std::string_view lower) {
  return EqualsNoCase(reinterpret_cast<const unsigned char*>(s), n, lower);
}

// s[0, n) starts with `lower` but for case; `lower` must be lower case.
inline bool StartsWithNoCase(const unsigned char* s, size_t n, std::string_view lower) {
  return n >= lower.size() && EqualsNoCase(s, lower.size(), lower);
}
inline bool StartsWithNoCase(const char* s, size_t n, std::string_view lower) {
  return StartsWithNoCase(reinterpret_cast<const unsigned char*>(s), n, lower);
}

// Never leaves a copy of a secret behind in memory the allocator hands out again: the whole
// buffer, not only the bytes in use (a string that was longer before, or was erased from the
// front, keeps old bytes past its size). A large buffer is given back, so an idle connection
// does not keep what its biggest exchange needed. A string that grows past its capacity leaves
// its old buffer unwiped: reserve what a secret-bearing string will hold before filling it.
inline void Wipe(std::string* s) {
  s->resize(s->capacity());
  if (!s->empty()) OPENSSL_cleanse(&(*s)[0], s->size());
  s->clear();
  if (s->capacity() > 4096) std::string().swap(*s);
}

}  // namespace lane
}  // namespace nanoclaw
