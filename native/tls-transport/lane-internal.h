// What lane.cc (lifecycle), lane-forward.cc (requests) and lane-respond.cc (responses) share.
#pragma once

#include <string>

#include "lane-ascii.h"
#include "lane.h"

namespace nanoclaw {
namespace laneimpl {

using lane::EqualsNoCase;
using lane::Lower;
using lane::StartsWithNoCase;
using lane::Wipe;

Connection* Find(Transport* t, uint32_t id);
inline bool Gone(const Connection* c) { return c->destroyed || c->failed; }

// lane.cc
// Everything held goes to JavaScript as ordinary data; the lane waits to be armed again.
bool HandBack(Connection* c);
// A response the lane cannot carry: JavaScript goes on with the same upstream connection from
// the bytes read so far (`why`: null, "" for the upstream's end, or its failure).
bool Takeover(Connection* c, const std::string* why);

// lane-forward.cc: the next held request, forwarded when it is ordinary and JavaScript says so,
// else handed back.
bool ProcessHeld(Connection* c);

// lane-respond.cc
// The agent's response head into l->out; false when only the JavaScript path can answer it.
bool PlanResponse(Lane* l, const char* buf);
enum class BodyStep { kMore, kDone, kError };
// Consumes upstream body bytes into l->out; anything after the end of the response spoils the connection.
BodyStep Body(Lane* l, const char* data, size_t len);
// The end of the body: what the scanner held back, the last chunk.
void EndBody(Lane* l);

}  // namespace laneimpl
}  // namespace nanoclaw
