// See lane.h. Everything here mirrors a piece of the JavaScript path so that an agent cannot
// tell which one served it: the upstream head is built as forward.ts builds it (lower-case
// names, hop-by-hop fields dropped, the injected field set in place or appended), the response
// head as response-plan.ts and native-tls/agent-response.ts write it, and bodies are scanned as
// echo-scanner.ts scans them. The differential tests (fast-lane tests) hold the two together.
#include "lane.h"

#include <openssl/crypto.h>

#include <cstring>

#include "connection-internal.h"
#include "lane-request.h"

namespace nanoclaw {

namespace {

constexpr size_t kMaxResponseHead = 16 * 1024;
// More than this held from an agent while an exchange is in flight: stop reading it.
constexpr size_t kMaxHeld = 256 * 1024;
// A request body the lane forwards must have arrived with its head and be at most this long.
constexpr int64_t kMaxBody = 64 * 1024;

const char* const kHopByHop[] = {"connection", "keep-alive", "proxy-connection", "proxy-authorization",
                                 "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"};

char Lower(char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch; }

bool EqualsLower(const char* s, size_t len, const char* lower) {
  size_t n = strlen(lower);
  if (n != len) return false;
  for (size_t i = 0; i < n; i++)
    if (Lower(s[i]) != lower[i]) return false;
  return true;
}

bool StartsLower(const char* s, size_t len, const char* lower) {
  size_t n = strlen(lower);
  if (len < n) return false;
  for (size_t i = 0; i < n; i++)
    if (Lower(s[i]) != lower[i]) return false;
  return true;
}

bool IsHopByHop(const char* s, size_t len) {
  for (const char* h : kHopByHop)
    if (EqualsLower(s, len, h)) return true;
  return false;
}

void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(&(*s)[0], s->size());
  s->clear();
}

Connection* Find(Transport* t, uint32_t id) {
  auto it = t->connections.find(id);
  return it == t->connections.end() || it->second->destroyed ? nullptr : it->second;
}

// The exchange is over (or handed on): its secrets go, the lane is ready for the next one.
void Reset(Lane* l) {
  l->busy = false;
  l->upstreamId = 0;
  Wipe(&l->sentHead);
  for (std::string& f : l->forms) Wipe(&f);
  l->forms.clear();
  Wipe(&l->received);
  l->headForwarded = false;
  l->response = lane::ResponseHead();
  l->dechunk = lane::ChunkedDecoder();
  l->remaining = 0;
  l->chunkedToAgent = false;
  l->scanner.reset();
  l->echoed = false;
  l->reusable = false;
  l->spoiled = false;
  l->bytesIn = 0;
  l->bytesOut = 0;
  l->upstreamPaused = false;
  Wipe(&l->out);
  Wipe(&l->payload);
  Wipe(&l->scanned);
}

bool Gone(Connection* c) { return c->destroyed || c->failed; }

// Everything held goes to JavaScript as ordinary data; the lane waits to be armed again.
bool HandBack(Connection* c) {
  Lane* l = c->lane;
  l->armed = false;
  if (l->heldPaused) {
    l->heldPaused = false;
    SetPaused(c, false);
  }
  if (l->held.empty()) return true;
  napi_value data = NewBuffer(c->transport, reinterpret_cast<const unsigned char*>(l->held.data()), l->held.size());
  l->held.clear();
  Emit(c, kData, data);
  return !Gone(c);
}

// A response the lane cannot carry: JavaScript goes on with the same upstream connection from
// the bytes read so far (`why`: null, "" for the upstream's end, or its failure).
bool Takeover(Connection* c, const std::string* why) {
  Lane* l = c->lane;
  Transport* t = c->transport;
  if (Connection* up = Find(t, l->upstreamId)) {
    up->laneOf = 0;
    if (l->upstreamPaused) SetPaused(up, false);
  }
  napi_env env = t->env;
  napi_value arg, received, sent, reason, id;
  napi_create_array_with_length(env, 4, &arg);
  received = NewBuffer(t, reinterpret_cast<const unsigned char*>(l->received.data()), l->received.size());
  sent = NewBuffer(t, reinterpret_cast<const unsigned char*>(l->sentHead.data()), l->sentHead.size());
  if (why) reason = NewString(t, *why);
  else napi_get_undefined(env, &reason);
  id = NewNumber(t, l->upstreamId);
  napi_set_element(env, arg, 0, received);
  napi_set_element(env, arg, 1, sent);
  napi_set_element(env, arg, 2, reason);
  napi_set_element(env, arg, 3, id);
  double bytesIn = l->bytesIn;
  Reset(l);
  l->armed = false;
  napi_value in = NewNumber(t, bytesIn);
  EmitFor(c, kLaneTakeover, arg, in);
  if (Gone(c)) return false;
  return HandBack(c);
}

// kSpoiled: the response was complete, but the upstream sent bytes after it (JavaScript's parser
// calls that an upstream error, after the agent had its whole response).
enum Failure { kNoFailure = 0, kUpstreamFailed = 1, kAgentLeft = 2, kSpoiled = 3 };

bool ProcessHeld(Connection* c);

// The exchange is over: JavaScript audits it and takes its upstream connection back.
bool Finish(Connection* c, Failure failure) {
  Lane* l = c->lane;
  Transport* t = c->transport;
  if (Connection* up = Find(t, l->upstreamId)) up->laneOf = 0;
  napi_env env = t->env;
  napi_value arg;
  napi_create_array_with_length(env, 5, &arg);
  if (failure == kNoFailure && l->spoiled) failure = kSpoiled;
  int flags = (l->echoed || (l->scanner && l->scanner->redacted()) ? 1 : 0) | (l->reusable && failure == kNoFailure ? 2 : 0);
  double values[5] = {static_cast<double>(l->response.status), l->bytesIn, l->bytesOut,
                      static_cast<double>(flags | (failure << 2)), static_cast<double>(l->response.keepAliveMs)};
  for (uint32_t i = 0; i < 5; i++) napi_set_element(env, arg, i, NewNumber(t, values[i]));
  Reset(l);
  Emit(c, kLaneDone, arg);
  if (Gone(c) || failure == kUpstreamFailed || failure == kAgentLeft) return false;
  return ProcessHeld(c);
}

// A piece of the response body as the agent gets it: redacted when scanned, chunked when the
// agent's framing is.
void PassBody(Lane* l, const char* data, size_t len) {
  if (l->scanner) {
    l->scanned.clear();
    l->scanner->Feed(data, len, &l->scanned);
    data = l->scanned.data();
    len = l->scanned.size();
  }
  if (len == 0) return;
  l->bytesOut += static_cast<double>(len);
  if (l->chunkedToAgent) {
    char size[24];
    int n = snprintf(size, sizeof size, "%zx\r\n", len);
    l->out.append(size, static_cast<size_t>(n));
    l->out.append(data, len);
    l->out.append("\r\n", 2);
  } else {
    l->out.append(data, len);
  }
}

void EndBody(Lane* l) {
  if (l->scanner) {
    l->scanned.clear();
    l->scanner->End(&l->scanned);
    if (!l->scanned.empty()) {
      // End() output is never scanned again.
      std::string tail;
      tail.swap(l->scanned);
      auto scanner = std::move(l->scanner);
      PassBody(l, tail.data(), tail.size());
      l->scanner = std::move(scanner);
      Wipe(&tail);
    }
  }
  if (l->chunkedToAgent) l->out.append("0\r\n\r\n", 5);
}

enum class BodyStep { kMore, kDone, kError };

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

// The agent's response head (planResponse, then NativeResponse's framing); false when only the
// JavaScript path can answer it (a coding to undo before scanning, a missing reason phrase).
bool PlanResponse(Lane* l, const char* buf) {
  const lane::ResponseHead& h = l->response;
  if (h.reason.len == 0) return false;  // JavaScript would put Node's own status text
  // Fields a Connection header names are hop-by-hop too.
  std::vector<std::string> named;
  for (const lane::Field& f : h.fields) {
    if (!EqualsLower(buf + f.name.off, f.name.len, "connection")) continue;
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
  const lane::Field* contentType = nullptr;
  std::string encoding;
  bool anyEncoding = false;
  for (const lane::Field& f : h.fields) {
    const char* name = buf + f.name.off;
    if (!contentType && EqualsLower(name, f.name.len, "content-type")) contentType = &f;
    if (EqualsLower(name, f.name.len, "content-encoding")) {
      if (anyEncoding) encoding += ", ";
      encoding.append(buf + f.value.off, f.value.len);
      anyEncoding = true;
    }
  }
  bool injected = !l->forms.empty();
  bool bodyAllowed = !l->headRequest && h.status != 204 && h.status != 304;
  bool scan = false;
  if (injected && bodyAllowed &&
      (!contentType || lane::IsTextContentType(buf + contentType->value.off, contentType->value.len))) {
    size_t a = 0, b = encoding.size();
    while (a < b && (encoding[a] == ' ' || encoding[a] == '\t')) a++;
    while (b > a && (encoding[b - 1] == ' ' || encoding[b - 1] == '\t')) b--;
    const char* e = encoding.data() + a;
    size_t n = b - a;
    if (n == 0 || EqualsLower(e, n, "identity")) scan = true;
    else if (EqualsLower(e, n, "gzip") || EqualsLower(e, n, "x-gzip") || EqualsLower(e, n, "deflate") || EqualsLower(e, n, "br"))
      return false;  // decoded before scanning: the JavaScript path does that
  }
  std::string& out = l->out;
  char line[32];
  int n = snprintf(line, sizeof line, "HTTP/1.1 %d ", h.status);
  out.append(line, static_cast<size_t>(n));
  out.append(buf + h.reason.off, h.reason.len);
  out.append("\r\n", 2);
  bool length = false;
  std::string value;
  for (const lane::Field& f : h.fields) {
    const char* name = buf + f.name.off;
    if (IsHopByHop(name, f.name.len)) continue;
    std::string lower;
    for (size_t k = 0; k < f.name.len; k++) lower += Lower(name[k]);
    bool isNamed = false;
    for (const std::string& t : named) isNamed = isNamed || t == lower;
    if (isNamed) continue;
    if (lower == "content-length") {
      if (scan) continue;  // the scanned body may change length
      length = true;
    }
    value.assign(buf + f.value.off, f.value.len);
    for (const std::string& form : l->forms) ReplaceAll(&value, form, &l->echoed);
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
  if (scan) l->scanner.reset(new lane::EchoScanner(l->forms));
  for (std::string& f : l->forms) Wipe(&f);
  l->forms.clear();
  l->remaining = h.framing == lane::Framing::kLength ? h.length : 0;
  l->reusable = h.reusable;
  return true;
}

// Writes what one upstream read produced for the agent; the upstream waits while the agent is full.
bool Flush(Connection* c, Connection* up) {
  Lane* l = c->lane;
  if (l->out.empty()) return true;
  bool ok = Write(c, l->out.data(), l->out.size());
  Wipe(&l->out);
  if (Gone(c)) return false;
  if (!ok && up && !l->upstreamPaused) {
    l->upstreamPaused = true;
    SetPaused(up, true);
  }
  return true;
}

// Lower-case name equal to one in a '\n'-separated list.
bool Listed(const char* name, size_t len, const char* list, size_t listLen) {
  size_t i = 0;
  while (i < listLen) {
    size_t j = i;
    while (j < listLen && list[j] != '\n') j++;
    if (j - i == len) {
      bool same = true;
      for (size_t k = 0; k < len && same; k++) same = Lower(name[k]) == list[i + k];
      if (same) return true;
    }
    i = j + 1;
  }
  return false;
}

bool GetBuffer(napi_env env, napi_value v, const char** data, size_t* len) {
  bool is = false;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) return false;
  void* p = nullptr;
  if (napi_get_buffer_info(env, v, &p, len) != napi_ok) return false;
  *data = static_cast<const char*>(p);
  return true;
}

// The decision JavaScript returned: [upstream id, "name: value", removed names, packed forms].
struct Decision {
  uint32_t upstream = 0;
  const char* field = nullptr;
  size_t fieldLen = 0;
  const char* remove = nullptr;
  size_t removeLen = 0;
  const char* forms = nullptr;
  size_t formsLen = 0;
};

bool ReadDecision(napi_env env, napi_value v, Decision* d) {
  if (!v) return false;
  bool isArray = false;
  if (napi_is_array(env, v, &isArray) != napi_ok || !isArray) return false;
  napi_value e[4];
  for (uint32_t i = 0; i < 4; i++)
    if (napi_get_element(env, v, i, &e[i]) != napi_ok) return false;
  return napi_get_value_uint32(env, e[0], &d->upstream) == napi_ok && GetBuffer(env, e[1], &d->field, &d->fieldLen) &&
         GetBuffer(env, e[2], &d->remove, &d->removeLen) && GetBuffer(env, e[3], &d->forms, &d->formsLen) &&
         d->fieldLen > 0;
}

bool AllDigits(const char* s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return len > 0;
}

// The next held request: forwarded when it is ordinary and JavaScript says so, else handed back.
bool ProcessHeld(Connection* c) {
  Lane* l = c->lane;
  Transport* t = c->transport;
  if (!l->armed || l->busy || l->held.empty()) return true;
  const char* buf = l->held.data();
  lane::RequestHead h;
  if (lane::ParseRequestHead(buf, l->held.size(), l->maxHeaderSize, &h) != lane::HeadResult::kOrdinary) return HandBack(c);
  if (h.host.len != l->acceptedHost.size() || memcmp(buf + h.host.off, l->acceptedHost.data(), h.host.len) != 0) return HandBack(c);
  // JavaScript objects put integer-like keys first: such a name would be reordered there.
  for (const lane::Field& f : h.fields)
    if (AllDigits(buf + f.name.off, f.name.len)) return HandBack(c);
  int64_t body = h.contentLength < 0 ? 0 : h.contentLength;
  if (body > kMaxBody || l->held.size() - h.headLen < static_cast<uint64_t>(body)) return HandBack(c);

  napi_env env = t->env;
  napi_value method, target;
  napi_create_string_latin1(env, buf + h.method.off, h.method.len, &method);
  napi_create_string_latin1(env, buf + h.target.off, h.target.len, &target);
  napi_value answer = EmitFor(c, kLaneRequest, method, target);
  if (Gone(c)) return false;
  Decision d;
  if (!ReadDecision(env, answer, &d)) return HandBack(c);
  // Buffers JavaScript owns: read them now, before anything can run JavaScript again.
  size_t nameLen = 0;
  while (nameLen < d.fieldLen && d.field[nameLen] != ':') nameLen++;
  std::string& head = l->sentHead;
  head.clear();
  head.append(buf + h.method.off, h.method.len);
  head += ' ';
  head.append(buf + h.target.off, h.target.len);
  head.append(" HTTP/1.1\r\n");
  bool set = false;
  for (const lane::Field& f : h.fields) {
    const char* name = buf + f.name.off;
    if (EqualsLower(name, f.name.len, "connection")) continue;  // keep-alive: hop-by-hop
    if (Listed(name, f.name.len, d.remove, d.removeLen)) continue;
    if (f.name.len == nameLen && Listed(name, f.name.len, d.field, nameLen)) {
      if (set) continue;
      head.append(d.field, d.fieldLen);
      head.append("\r\n", 2);
      set = true;
      continue;
    }
    for (size_t k = 0; k < f.name.len; k++) head += Lower(name[k]);
    head.append(": ", 2);
    head.append(buf + f.value.off, f.value.len);
    head.append("\r\n", 2);
  }
  if (!set) {
    head.append(d.field, d.fieldLen);
    head.append("\r\n", 2);
  }
  head.append("\r\n", 2);
  l->forms.clear();
  for (size_t i = 0; i + 4 <= d.formsLen;) {
    uint32_t n;
    memcpy(&n, d.forms + i, 4);
    i += 4;
    if (n > d.formsLen - i) break;
    l->forms.emplace_back(d.forms + i, n);
    i += n;
  }
  l->headRequest = EqualsLower(buf + h.method.off, h.method.len, "head");
  l->bytesIn = static_cast<double>(body);
  l->upstreamId = d.upstream;
  l->busy = true;
  size_t used = h.headLen + static_cast<size_t>(body);
  Connection* up = Find(t, d.upstream);
  if (!up || up->failed || !up->secure || up->laneOf != 0 || up->pipeTo != 0) {
    l->held.erase(0, used);
    static const std::string unusable = "the pooled upstream connection is no longer usable";
    return Takeover(c, &unusable);
  }
  up->laneOf = c->id;
  if (body > 0) {
    std::string request = head;
    request.append(buf + h.headLen, static_cast<size_t>(body));
    l->held.erase(0, used);
    Write(up, request.data(), request.size());
    Wipe(&request);
  } else {
    l->held.erase(0, used);
    Write(up, head.data(), head.size());
  }
  // A write failure is reported a tick later, through LaneUpstreamStopped.
  return true;
}

}  // namespace

void LaneArm(Connection* c, const std::string& host, size_t maxHeaderSize) {
  if (!c->lane) c->lane = new Lane();
  Lane* l = c->lane;
  if (l->busy) return;
  l->armed = true;
  l->acceptedHost = host;
  l->maxHeaderSize = maxHeaderSize;
}

bool LaneActive(const Connection* c) { return c->lane && (c->lane->armed || c->lane->busy); }

bool LaneAgentData(Connection* c, const unsigned char* data, size_t len) {
  Lane* l = c->lane;
  l->held.append(reinterpret_cast<const char*>(data), len);
  if (l->busy) {
    if (l->held.size() > kMaxHeld && !l->heldPaused) {
      l->heldPaused = true;
      SetPaused(c, true);
    }
    return true;
  }
  return ProcessHeld(c);
}

bool LaneUpstreamData(Connection* up, const unsigned char* bytes, size_t len) {
  Connection* c = Find(up->transport, up->laneOf);
  if (!c || !c->lane || !c->lane->busy) {
    up->laneOf = 0;
    return true;
  }
  Lane* l = c->lane;
  const char* data = reinterpret_cast<const char*>(bytes);
  if (!l->headForwarded) {
    l->received.append(data, len);
    lane::HeadResult r = lane::ParseResponseHead(l->received.data(), l->received.size(), l->headRequest, &l->response);
    if (r == lane::HeadResult::kIncomplete && l->received.size() <= kMaxResponseHead + 4) return true;
    if (r != lane::HeadResult::kOrdinary || !PlanResponse(l, l->received.data())) {
      Takeover(c, nullptr);
      return !Gone(up);
    }
    l->headForwarded = true;
    std::string rest = l->received.substr(l->response.headLen);
    Wipe(&l->received);
    BodyStep step = Body(l, rest.data(), rest.size());
    Wipe(&rest);
    if (step == BodyStep::kError) {
      Finish(c, kUpstreamFailed);
      return !Gone(up);
    }
    if (step == BodyStep::kDone) EndBody(l);
    if (!Flush(c, up)) return !Gone(up);
    if (step == BodyStep::kDone) Finish(c, kNoFailure);
    return !Gone(up);
  }
  BodyStep step = Body(l, data, len);
  if (step == BodyStep::kError) {
    Finish(c, kUpstreamFailed);
    return !Gone(up);
  }
  if (step == BodyStep::kDone) EndBody(l);
  if (!Flush(c, up)) return !Gone(up);
  if (step == BodyStep::kDone) Finish(c, kNoFailure);
  return !Gone(up);
}

void LaneUpstreamStopped(Connection* up, const std::string& why, bool eof) {
  Connection* c = Find(up->transport, up->laneOf);
  up->laneOf = 0;
  if (!c || !c->lane || !c->lane->busy) return;
  // Before the response head went out JavaScript decides (a stale keep-alive is retried, else 502);
  // after it, the response is cut short as on the JavaScript path.
  if (!c->lane->headForwarded) {
    std::string reason = eof ? std::string() : why;
    Takeover(c, &reason);
  } else {
    Finish(c, kUpstreamFailed);
  }
}

bool LaneAgentEnded(Connection* c) {
  Lane* l = c->lane;
  if (!l || !l->busy) {
    if (l && l->armed && !l->held.empty()) HandBack(c);
    return false;
  }
  Finish(c, kAgentLeft);
  return true;
}

void LaneAgentDrained(Connection* c) {
  Lane* l = c->lane;
  if (!l || !l->busy || !l->upstreamPaused) return;
  l->upstreamPaused = false;
  if (Connection* up = Find(c->transport, l->upstreamId)) SetPaused(up, false);
}

void LaneAgentGone(Connection* c) {
  Lane* l = c->lane;
  if (!l) return;
  // JavaScript drops the upstream connection of an exchange in flight (it knows of it).
  if (Connection* up = Find(c->transport, l->upstreamId)) up->laneOf = 0;
  Reset(l);
  Wipe(&l->held);
  delete l;
  c->lane = nullptr;
}

void LaneUpstreamGone(Connection* up) {
  Connection* c = Find(up->transport, up->laneOf);
  up->laneOf = 0;
  if (!c || !c->lane || !c->lane->busy) return;
  // Destroyed from JavaScript (the gateway closing): the agent's exchange fails a tick later.
  c->lane->upstreamId = 0;
  c->deferredError = "the upstream connection was closed";
  c->failed = true;
  uv_poll_stop(&c->poll);
  c->pollEvents = 0;
  Defer(c);
}

namespace lane {

bool IsTextContentType(const char* s, size_t len) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
  if (i == len) return i == 0;  // absent counts as text; only spaces do not match the pattern
  const char* p = s + i;
  size_t n = len - i;
  if (StartsLower(p, n, "text/") || StartsLower(p, n, "multipart/form-data")) return true;
  if (!StartsLower(p, n, "application/")) return false;
  p += 12;
  n -= 12;
  static const char* const kSubtypes[] = {"json", "xml", "javascript", "x-www-form-urlencoded", "x-ndjson", "ndjson", "graphql"};
  auto word = [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
  };
  auto subtypeAt = [&](size_t at) {
    for (const char* sub : kSubtypes) {
      size_t m = strlen(sub);
      if (!StartsLower(p + at, n - at, sub)) continue;
      if (at + m == n || !word(p[at + m])) return true;
    }
    return false;
  };
  if (subtypeAt(0)) return true;
  // `([\w.+-]*\+)?`: any prefix of such characters that ends in '+'.
  for (size_t j = 0; j < n; j++) {
    char ch = p[j];
    if (!(word(ch) || ch == '.' || ch == '+' || ch == '-')) break;
    if (ch == '+' && subtypeAt(j + 1)) return true;
  }
  return false;
}

}  // namespace lane

}  // namespace nanoclaw
