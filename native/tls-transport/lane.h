// The fast lane: ordinary requests on an agent's connection forwarded by the addon itself, with
// JavaScript asked only for the decision (grant, policy, the header to set) and told the outcome
// (audit). What the lane does not fully understand goes back to the JavaScript path before a
// byte is forwarded (a request), or is handed to it with the bytes read so far (a response).
// See src/vault/gateway/native-tls/fast-lane.ts for the JavaScript side.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lane-ascii.h"
#include "lane-echo.h"
#include "lane-response.h"
#include "transport.h"

namespace nanoclaw {

// The wire forms of one injected value, as a decision packs them (lane-forward.cc SetForms):
// shared by every lane whose decision carried the same bytes, so an idle connection keeps a
// pointer, not a copy. Wiped when the last lane lets go.
struct FormSet {
  std::string packed;
  std::vector<std::string> forms;
  std::vector<bool> search;  // per form: searched first (it contains no other form)
  ~FormSet() {
    lane::Wipe(&packed);
    for (std::string& f : forms) lane::Wipe(&f);
  }
};

struct Lane {
  bool armed = false;  // JavaScript is between requests: the lane takes the next one
  bool busy = false;   // an exchange is in flight
  std::string acceptedHost;
  const lane::Tables* tables = nullptr;  // the transport's (lane-tables.h), set when armed
  size_t maxHeaderSize = 16 * 1024;
  std::string held;  // agent bytes not forwarded yet (the next request, pipelined ones)
  bool heldPaused = false;  // reading the agent paused because too much is held

  // The exchange in flight.
  uint32_t upstreamId = 0;
  bool headRequest = false;
  std::string sentHead;  // as sent upstream, value included: a takeover may send it again
  double bytesIn = 0;    // request body bytes
  std::shared_ptr<const FormSet> forms;  // this request's, kept for the next one (most use the same)
  std::string received;  // upstream bytes until the response head is understood
  bool headForwarded = false;
  lane::ResponseHead response;
  lane::ChunkedDecoder dechunk;
  uint64_t remaining = 0;  // of a Content-Length body
  bool chunkedToAgent = false;
  std::unique_ptr<lane::EchoScanner> scanner;
  bool echoed = false;
  bool reusable = false;
  bool spoiled = false;  // bytes came after the end of the response
  double bytesOut = 0;  // body bytes to the agent, after redaction
  bool upstreamPaused = false;
  std::string out;       // bytes for the agent gathered from one upstream read
  std::string payload;   // scratch: a decoded piece
  std::string scanned;   // scratch: a redacted piece
};

// JavaScript is between requests on agent connection `c`: the lane takes the next one.
void LaneArm(Connection* c, const std::string& host, size_t maxHeaderSize);
// Called from the data path; each returns false when the connection failed or was destroyed.
bool LaneActive(const Connection* c);
bool LaneAgentData(Connection* c, const unsigned char* data, size_t len);
bool LaneUpstreamData(Connection* up, const unsigned char* data, size_t len);
// The upstream of an exchange ended (`eof`) or failed (`why`).
void LaneUpstreamStopped(Connection* up, const std::string& why, bool eof);
// The agent will send nothing more; true when the lane dealt with it (an exchange was in flight).
bool LaneAgentEnded(Connection* c);
void LaneAgentDrained(Connection* c);
// Destroy() of either side.
void LaneAgentGone(Connection* c);
void LaneUpstreamGone(Connection* up);
// The transport trims its memory (connections stopped coming and going): a lane between
// exchanges gives back the buffers it keeps for its next request, wiped.
void LaneTrim(Connection* c);

}  // namespace nanoclaw
