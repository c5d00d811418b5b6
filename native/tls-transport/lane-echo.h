// The fast lane's echo redactor: overwrites every form of an injected value in a response body
// fed piece by piece with as many '*' bytes, exactly as src/vault/gateway/echo-scanner.ts does
// (same bytes out after each piece), so a value split across pieces is still caught, an SSE event
// still leaves at once, and the body keeps its length (what is held back leaves at End).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nanoclaw {
namespace lane {

class EchoScanner {
 public:
  // `forms`: the wire forms of the value, longest first (as echoForms() orders them), none empty;
  // `search`: per form, whether it is searched first (every form contains one that is:
  // EchoForms.search). Both are the caller's (the lane keeps them for the connection's next
  // request) and must outlive the scanner; they are not copied.
  EchoScanner(const std::vector<std::string>* forms, const std::vector<bool>* search);
  // The `search` flags for `forms` (distinct): the forms that contain no shorter one.
  static std::vector<bool> SearchFlags(const std::vector<std::string>& forms);
  ~EchoScanner();  // wipes any held bytes
  // Appends to `out` the bytes that may leave now.
  void Feed(const char* data, size_t len, std::string* out);
  // Appends what was held back at the end of the body.
  void End(std::string* out);
  // For a piece with nothing held before it and no form in it: holds back the bytes that may
  // start a form and returns how many leading bytes of `data` may leave as they are (no copy);
  // the same bytes Feed would put out. kNeedsFeed when the piece must go through Feed (a form
  // in it, or bytes held before it).
  static constexpr size_t kNeedsFeed = static_cast<size_t>(-1);
  size_t PassAsIs(const char* data, size_t len);
  bool redacted() const { return redacted_; }

 private:
  void Scan(const char* buf, size_t n, bool final, std::string* out);
  bool CouldGrow(const char* at, size_t rest, size_t len) const;
  size_t PartialSuffix(const char* buf, size_t n, size_t from) const;

  const std::vector<std::string>& forms_;
  const std::vector<bool>& search_;
  std::vector<size_t> next_;  // per form: its next occurrence in the buffer being scanned
  std::string tail_;
  bool redacted_ = false;
};

}  // namespace lane
}  // namespace nanoclaw
