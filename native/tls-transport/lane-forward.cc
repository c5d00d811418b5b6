// The fast lane's request side: the next held request recognized (lane-request.cc), decided by
// JavaScript, and sent upstream with the head forward.ts would send (lower-case names, hop-by-hop
// fields dropped, the injected field set in place or appended).
#include <cstring>

#include "connection-internal.h"
#include "lane-internal.h"
#include "lane-request.h"
#include "napi-values.h"

namespace nanoclaw {
namespace laneimpl {

namespace {

// A request body the lane forwards must have arrived with its head and be at most this long.
constexpr int64_t kMaxBody = 64 * 1024;

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

// The decision JavaScript returned: [upstream id, "name: value[\r\nname: value…]", removed names, packed forms].
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
  return napi_get_value_uint32(env, e[0], &d->upstream) == napi_ok && BufferArg(env, e[1], &d->field, &d->fieldLen) &&
         BufferArg(env, e[2], &d->remove, &d->removeLen) && BufferArg(env, e[3], &d->forms, &d->formsLen) &&
         d->fieldLen > 0;
}

// Calls `each(form, length, searched)` for every non-empty form in the packed list (fast-lane.ts
// packForms: a 4-byte length whose top bit marks a form searched first, then the bytes).
template <typename Each>
void ForEachPacked(const char* packed, size_t len, Each each) {
  for (size_t i = 0; i + 4 <= len;) {
    uint32_t n;
    memcpy(&n, packed + i, 4);
    i += 4;
    bool search = (n & 0x80000000u) != 0;
    n &= 0x7fffffffu;
    if (n > len - i) break;
    // echoForms() never yields an empty form; one would match everywhere and make no progress.
    if (n > 0) each(packed + i, n, search);
    i += n;
  }
}

// The lane keeps a request's forms for the next one on the connection: a decision for the same
// secret (most of them) carries the same bytes, which are then neither parsed nor copied again.
// Another connection's set with the same bytes is shared rather than copied (Transport::formSets).
void SetForms(Transport* t, Lane* l, const char* packed, size_t len) {
  auto same = [&](const FormSet& f) { return f.packed.size() == len && memcmp(f.packed.data(), packed, len) == 0; };
  if (l->forms && same(*l->forms)) return;
  // Let go first: a set only this lane held is wiped now, not after the search.
  l->forms.reset();
  std::shared_ptr<FormSet> found;
  std::vector<std::weak_ptr<FormSet>>& sets = t->formSets;
  for (size_t i = 0; i < sets.size();) {
    std::shared_ptr<FormSet> set = sets[i].lock();
    if (!set) {
      sets[i] = sets.back();
      sets.pop_back();
      continue;
    }
    if (!found && same(*set)) found = std::move(set);
    i++;
  }
  if (!found) {
    found = std::make_shared<FormSet>();
    // Sized before filling: a string or vector that grows frees its old buffer unwiped.
    found->packed.assign(packed, len);
    size_t count = 0;
    ForEachPacked(packed, len, [&](const char*, size_t, bool) { count++; });
    found->forms.reserve(count);
    found->search.reserve(count);
    ForEachPacked(packed, len, [&](const char* form, size_t n, bool search) {
      found->forms.emplace_back(form, n);
      found->search.push_back(search);
    });
    sets.push_back(found);
  }
  l->forms = std::move(found);
}

bool AllDigits(const char* s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return len > 0;
}

}  // namespace

// The next held request: forwarded when it is ordinary and JavaScript says so, else handed back.
bool ProcessHeld(Connection* c) {
  Lane* l = c->lane;
  Transport* t = c->transport;
  if (!l->armed || l->busy || l->held.empty()) return true;
  const char* buf = l->held.data();
  lane::RequestHead h;
  if (lane::ParseRequestHead(buf, l->held.size(), l->maxHeaderSize, t->laneTables, &h) != lane::HeadResult::kOrdinary) return HandBack(c);
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
  // The value's field (set in place or appended), then CRLF-separated fields always appended
  // (injected-request.ts: the same on both paths, whose names `remove` lists).
  size_t valueLen = 0;
  while (valueLen < d.fieldLen && d.field[valueLen] != '\r') valueLen++;
  std::string& head = l->sentHead;
  head.clear();
  // All it will hold (the head's fields or fewer, the injected one, the body if it goes back to
  // JavaScript unsent) reserved at once: growing would leave a copy of the value behind.
  head.reserve(h.headLen + d.fieldLen + 4 + static_cast<size_t>(body));
  head.append(buf + h.method.off, h.method.len);
  head += ' ';
  head.append(buf + h.target.off, h.target.len);
  head.append(" HTTP/1.1\r\n");
  bool set = false;
  for (const lane::Field& f : h.fields) {
    const char* name = buf + f.name.off;
    // Connection (keep-alive, the only hop-by-hop field the parser lets through) stays here.
    if (lane::InTable(t->laneTables.hopByHop, name, f.name.len)) continue;
    if (Listed(name, f.name.len, d.remove, d.removeLen)) continue;
    if (f.name.len == nameLen && Listed(name, f.name.len, d.field, nameLen)) {
      if (set) continue;
      head.append(d.field, valueLen);
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
    head.append(d.field, valueLen);
    head.append("\r\n", 2);
  }
  if (valueLen + 2 < d.fieldLen) {
    head.append(d.field + valueLen + 2, d.fieldLen - valueLen - 2);
    head.append("\r\n", 2);
  }
  head.append("\r\n", 2);
  SetForms(t, l, d.forms, d.formsLen);
  l->headRequest = EqualsNoCase(buf + h.method.off, h.method.len, "head");
  l->bytesIn = static_cast<double>(body);
  l->busy = true;
  size_t used = h.headLen + static_cast<size_t>(body);
  Connection* up = Find(t, d.upstream);
  if (!up || up->failed || !up->secure || up->laneOf != 0 || up->pipeTo != 0) {
    // Not this exchange's to use (gone, failed, or another exchange's): it is never bound, so the
    // takeover leaves it alone, and tells JavaScript (upstream id 0) that nothing was sent; the
    // whole request (head and body) goes back for JavaScript to send on a connection of its own.
    l->upstreamId = 0;
    head.append(buf + h.headLen, static_cast<size_t>(body));
    l->held.erase(0, used);
    static const std::string unusable = "the pooled upstream connection is no longer usable";
    return Takeover(c, &unusable);
  }
  up->laneOf = c->id;
  l->upstreamId = d.upstream;
  if (body > 0) {
    std::string request;
    request.reserve(head.size() + static_cast<size_t>(body));
    request.append(head);
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

}  // namespace laneimpl
}  // namespace nanoclaw
