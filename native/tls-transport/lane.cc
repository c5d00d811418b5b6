// See lane.h. Everything here mirrors a piece of the JavaScript path so that an agent cannot
// tell which one served it: the upstream head is built as forward.ts builds it (lower-case
// names, hop-by-hop fields dropped, the injected field set in place or appended), the response
// head as response-plan.ts and native-tls/agent-response.ts write it, and bodies are scanned as
// echo-scanner.ts scans them. The differential tests (fast-lane tests) hold the two together.
#include "connection-internal.h"
#include "lane-internal.h"

namespace nanoclaw {

namespace laneimpl {

Connection* Find(Transport* t, uint32_t id) {
  auto it = t->connections.find(id);
  return it == t->connections.end() || it->second->destroyed ? nullptr : it->second;
}

namespace {

// The upstream of `c`'s exchange in flight, or null; never one another exchange has bound (its
// laneOf names another agent connection), whatever upstreamId says.
Connection* OwnUpstream(Connection* c) {
  Connection* up = c->lane->upstreamId == 0 ? nullptr : Find(c->transport, c->lane->upstreamId);
  return up && (up->laneOf == c->id || up->laneOf == 0) ? up : nullptr;
}

constexpr size_t kMaxResponseHead = 16 * 1024;
// More than this held from an agent while an exchange is in flight: stop reading it.
constexpr size_t kMaxHeld = 256 * 1024;
// An upstream read is at most a TLS record (16 KiB) framed; a buffer grown past this is given back.
constexpr size_t kKeptOutCapacity = 64 * 1024;

// The exchange is over (or handed on): its secrets go, the lane is ready for the next one.
void Reset(Lane* l) {
  l->busy = false;
  l->upstreamId = 0;
  Wipe(&l->sentHead);
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

}  // namespace

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

bool Takeover(Connection* c, const std::string* why) {
  Lane* l = c->lane;
  Transport* t = c->transport;
  if (Connection* up = OwnUpstream(c)) {
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
namespace {

enum Failure { kNoFailure = 0, kUpstreamFailed = 1, kAgentLeft = 2, kSpoiled = 3 };

// The exchange is over: JavaScript audits it and takes its upstream connection back.
bool Finish(Connection* c, Failure failure) {
  Lane* l = c->lane;
  Transport* t = c->transport;
  if (Connection* up = OwnUpstream(c)) up->laneOf = 0;
  napi_env env = t->env;
  napi_value arg;
  napi_create_array_with_length(env, 5, &arg);
  if (failure == kNoFailure && l->spoiled) failure = kSpoiled;
  int flags = (l->echoed || (l->scanner && l->scanner->redacted()) ? 1 : 0) | (l->reusable && failure == kNoFailure ? 2 : 0);
  double values[5] = {static_cast<double>(l->response.status), l->bytesIn, l->bytesOut,
                      static_cast<double>(flags | (failure << 2)), static_cast<double>(l->response.keepAliveMs)};
  for (uint32_t i = 0; i < 5; i++) napi_set_element(env, arg, i, NewNumber(t, values[i]));
  Reset(l);
  // Pipelined requests waited for this one; the next is read from what is held.
  if (l->heldPaused) {
    l->heldPaused = false;
    SetPaused(c, false);
  }
  Emit(c, kLaneDone, arg);
  if (Gone(c) || failure == kUpstreamFailed || failure == kAgentLeft) return false;
  return ProcessHeld(c);
}

// Bytes for the agent; the upstream waits while the agent is full. False when the agent is gone.
bool ToAgent(Connection* c, Connection* up, const char* data, size_t len) {
  bool ok = Write(c, data, len);
  if (Gone(c)) return false;
  if (!ok && !c->lane->upstreamPaused) {
    c->lane->upstreamPaused = true;
    SetPaused(up, true);
  }
  return true;
}

// Body bytes of one upstream read, framed (and scanned) for the agent; the exchange ends with the body.
void PassOn(Connection* c, Connection* up, const char* data, size_t len) {
  Lane* l = c->lane;
  BodyStep step = Body(l, data, len);
  if (step == BodyStep::kError) {
    Finish(c, kUpstreamFailed);
    return;
  }
  if (step == BodyStep::kDone) EndBody(l);
  bool ok = l->out.empty() || ToAgent(c, up, l->out.data(), l->out.size());
  // Only bytes the agent now has are in it (redacted, framed), so it is emptied, not wiped, and
  // its buffer kept for the next read unless a large piece grew it.
  l->out.clear();
  if (l->out.capacity() > kKeptOutCapacity) std::string().swap(l->out);
  if (ok && step == BodyStep::kDone) Finish(c, kNoFailure);
}

}  // namespace

}  // namespace laneimpl

using namespace laneimpl;

void LaneArm(Connection* c, const std::string& host, size_t maxHeaderSize) {
  if (!c->lane) c->lane = new Lane();
  Lane* l = c->lane;
  if (l->busy) return;
  l->armed = true;
  l->tables = &c->transport->laneTables;
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
    PassOn(c, up, rest.data(), rest.size());
    Wipe(&rest);
    return !Gone(up);
  }
  if (!l->chunkedToAgent && l->response.framing == lane::Framing::kLength) {
    // A body passed as it is (a download): written from the read buffer, no copy. A scanned
    // one too, for every piece that holds no form (the scanner keeps back what may start one).
    size_t n = l->remaining < len ? static_cast<size_t>(l->remaining) : len;
    size_t clean = l->scanner ? l->scanner->PassAsIs(data, n) : n;
    if (clean != lane::EchoScanner::kNeedsFeed) {
      l->remaining -= n;
      l->bytesOut += static_cast<double>(clean);
      if (len > n) l->spoiled = true;
      if (clean > 0 && !ToAgent(c, up, data, clean)) return !Gone(up);
      // The end of the body: what the scanner held back leaves now.
      if (l->remaining == 0) PassOn(c, up, data + n, 0);
      return !Gone(up);
    }
  }
  PassOn(c, up, data, len);
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
  if (Connection* up = OwnUpstream(c)) SetPaused(up, false);
}

void LaneTrim(Connection* c) {
  Lane* l = c->lane;
  if (!l || l->busy) return;
  // Kept between exchanges so keep-alive requests reuse them; an idle connection need not.
  for (std::string* s : {&l->sentHead, &l->received, &l->out, &l->payload, &l->scanned}) {
    Wipe(s);
    std::string().swap(*s);
  }
  if (l->held.empty()) std::string().swap(l->held);
}

void LaneAgentGone(Connection* c) {
  Lane* l = c->lane;
  if (!l) return;
  // JavaScript drops the upstream connection of an exchange in flight (it knows of it).
  if (Connection* up = OwnUpstream(c)) up->laneOf = 0;
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
}  // namespace nanoclaw
