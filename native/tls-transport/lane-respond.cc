// The fast lane's response side: the agent's response head as response-plan.ts and
// native-tls/agent-response.ts write it (hop-by-hop fields dropped, echoes of the value
// redacted, the body's framing), and the body passed on, scanned as echo-scanner.ts scans it.
#include "lane-internal.h"

namespace nanoclaw {
namespace laneimpl {

namespace {

// Body bytes as the agent gets them, chunked when the agent's framing is.
void Frame(Lane* l, const char* data, size_t len) {
  if (len == 0) return;
  l->bytesOut += static_cast<double>(len);
  if (!l->chunkedToAgent) {
    l->out.append(data, len);
    return;
  }
  // The size in lower-case hex, as agent-response.ts writes it (no printf: it showed in profiles).
  char size[20];
  size_t at = sizeof size;
  size[--at] = '\n';
  size[--at] = '\r';
  size_t n = len;
  do {
    size[--at] = "0123456789abcdef"[n & 15];
    n >>= 4;
  } while (n > 0);
  l->out.append(size + at, sizeof size - at);
  l->out.append(data, len);
  l->out.append("\r\n", 2);
}

// A piece of the response body: redacted first when it is scanned. With a Content-Length the
// scanner writes straight into the agent's output (one copy less per piece of a large body).
void PassBody(Lane* l, const char* data, size_t len) {
  if (!l->scanner) return Frame(l, data, len);
  if (!l->chunkedToAgent) {
    size_t before = l->out.size();
    l->scanner->Feed(data, len, &l->out);
    l->bytesOut += static_cast<double>(l->out.size() - before);
    return;
  }
  l->scanned.clear();
  l->scanner->Feed(data, len, &l->scanned);
  Frame(l, l->scanned.data(), l->scanned.size());
}

void ReplaceAll(std::string* s, const std::string& form, bool* changed) {
  if (form.empty()) return;
  size_t at = s->find(form);
  if (at == std::string::npos) return;
  std::string out;
  size_t from = 0;
  for (; at != std::string::npos; at = s->find(form, from)) {
    out.append(*s, from, at - from);
    out.append("[REDACTED]");
    from = at + form.size();
  }
  out.append(*s, from, std::string::npos);
  Wipe(s);
  s->swap(out);
  *changed = true;
}

// A head value with every form replaced, as redactText() does: the whole list only when one of
// the forms searched first is there (every form contains one).
void Redact(Lane* l, std::string* value) {
  if (!l->forms) return;
  const FormSet& set = *l->forms;
  bool any = false;
  for (size_t i = 0; i < set.forms.size() && !any; i++) any = set.search[i] && value->find(set.forms[i]) != std::string::npos;
  if (!any) return;
  for (const std::string& form : set.forms) ReplaceAll(value, form, &l->echoed);
}

}  // namespace

void EndBody(Lane* l) {
  if (l->scanner) {
    l->scanned.clear();
    l->scanner->End(&l->scanned);
    Frame(l, l->scanned.data(), l->scanned.size());
  }
  if (l->chunkedToAgent) l->out.append("0\r\n\r\n", 5);
}

// Consumes upstream body bytes; anything after the end of the response spoils the connection.
BodyStep Body(Lane* l, const char* data, size_t len) {
  switch (l->response.framing) {
    case lane::Framing::kNone:
      if (len > 0) l->spoiled = true;
      return BodyStep::kDone;
    case lane::Framing::kLength: {
      size_t n = l->remaining < len ? static_cast<size_t>(l->remaining) : len;
      PassBody(l, data, n);
      l->remaining -= n;
      if (l->remaining > 0) return BodyStep::kMore;
      if (len > n) l->spoiled = true;
      return BodyStep::kDone;
    }
    case lane::Framing::kChunked: {
      size_t consumed = 0;
      l->payload.clear();
      auto status = l->dechunk.Feed(data, len, &consumed, &l->payload);
      if (status == lane::ChunkedDecoder::Status::kError) return BodyStep::kError;
      PassBody(l, l->payload.data(), l->payload.size());
      if (status == lane::ChunkedDecoder::Status::kNeedMore) return BodyStep::kMore;
      if (consumed < len) l->spoiled = true;
      return BodyStep::kDone;
    }
  }
  return BodyStep::kError;
}

// The agent's response head (planResponse, then NativeResponse's framing); false when only the
// JavaScript path can answer it (a coding to decode or refuse, a missing reason phrase).
bool PlanResponse(Lane* l, const char* buf) {
  const lane::ResponseHead& h = l->response;
  if (h.reason.len == 0) return false;  // JavaScript would put Node's own status text
  // Fields a Connection header names are hop-by-hop too.
  std::vector<std::string> named;
  for (const lane::Field& f : h.fields) {
    if (!EqualsNoCase(buf + f.name.off, f.name.len, "connection")) continue;
    const char* v = buf + f.value.off;
    size_t i = 0;
    while (i <= f.value.len) {
      size_t j = i;
      while (j < f.value.len && v[j] != ',') j++;
      size_t a = i, b = j;
      while (a < b && (v[a] == ' ' || v[a] == '\t')) a++;
      while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t')) b--;
      std::string token;
      for (size_t k = a; k < b; k++) token += Lower(v[k]);
      if (!token.empty() && token != "close" && token != "keep-alive" && token != "upgrade") named.push_back(token);
      i = j + 1;
    }
  }
  bool injected = l->forms && !l->forms->forms.empty();
  bool bodyAllowed = !l->headRequest && h.status != 204 && h.status != 304;
  // Every body of an injected request is scanned, whatever its type (response-plan.ts); one in a
  // coding goes to the JavaScript path, which decodes it or refuses it.
  bool scan = injected && bodyAllowed;
  if (scan) {
    for (const lane::Field& f : h.fields) {
      if (!EqualsNoCase(buf + f.name.off, f.name.len, "content-encoding")) continue;
      if (f.value.len > 0 && !EqualsNoCase(buf + f.value.off, f.value.len, "identity")) return false;
    }
  }
  std::string& out = l->out;
  // The parser allows 200..599 only: three digits.
  const char line[] = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ', static_cast<char>('0' + h.status / 100),
                       static_cast<char>('0' + h.status / 10 % 10), static_cast<char>('0' + h.status % 10), ' '};
  out.append(line, sizeof line);
  // The reason phrase is redacted as the fields are: an upstream can echo the value there too.
  std::string value(buf + h.reason.off, h.reason.len);
  Redact(l, &value);
  out.append(value);
  out.append("\r\n", 2);
  bool length = false;
  for (const lane::Field& f : h.fields) {
    const char* name = buf + f.name.off;
    if (lane::InTable(l->tables->hopByHop, name, f.name.len)) continue;
    std::string lower;
    for (size_t k = 0; k < f.name.len; k++) lower += Lower(name[k]);
    bool isNamed = false;
    for (const std::string& t : named) isNamed = isNamed || t == lower;
    if (isNamed) continue;
    value.assign(buf + f.value.off, f.value.len);
    Redact(l, &value);
    if (lower == "content-length") {
      // The scanner keeps the body's length (echoes overwritten at equal length): the field stays,
      // unless the head redaction changed it (a value of digits), as planResponse decides.
      if (scan && (h.framing != lane::Framing::kLength || value.size() != f.value.len || value.compare(0, value.size(), buf + f.value.off, f.value.len) != 0)) continue;
      length = true;
    }
    out.append(name, f.name.len);
    out.append(": ", 2);
    out.append(value);
    out.append("\r\n", 2);
  }
  Wipe(&value);
  if (bodyAllowed && !length) {
    l->chunkedToAgent = true;
    out.append("transfer-encoding: chunked\r\n");
  }
  out.append("\r\n", 2);
  // The lane holds the forms (for the connection's next request too); the scanner only reads them.
  if (scan) l->scanner.reset(new lane::EchoScanner(&l->forms->forms, &l->forms->search));
  l->remaining = h.framing == lane::Framing::kLength ? h.length : 0;
  l->reusable = h.reusable;
  return true;
}

}  // namespace laneimpl
}  // namespace nanoclaw
