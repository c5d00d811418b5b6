// TLS connections that OpenSSL drives straight on the socket descriptor, polled by Node's own
// libuv loop. JavaScript sees plaintext only; see src/vault/gateway/native-tls/binding.ts for
// the contract every function here keeps.
#pragma once

#include <node_api.h>
#include <openssl/ssl.h>
#include <uv.h>

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "lane-tables.h"

namespace nanoclaw {

enum EventKind {
  kSecure = 1,
  kData = 2,
  kEnd = 3,
  kError = 4,
  kDrain = 5,
  kPiped = 6,
  // The fast lane (lane.cc), on the agent's connection:
  kLaneRequest = 7,   // a request it may forward: JavaScript decides, synchronously
  kLaneDone = 8,      // an exchange it forwarded is over
  kLaneTakeover = 9,  // a response it cannot handle: JavaScript carries on from the bytes read
};

// Bytes queued beyond this make write() answer false (backpressure to the caller).
constexpr size_t kHighWater = 64 * 1024;
// A pipe reads several TLS records (16 KiB of plaintext each) per call.
constexpr size_t kReadChunk = 64 * 1024;
// What JavaScript gets per call. Each is a new external buffer, and V8 collects those only
// after enough JavaScript allocation; bigger ones let dead bytes pile up (measured: RSS grew
// ~55 MiB streaming a scanned 256 MiB body with 64 KiB, ~45 MiB with 16 KiB; Node's TLS ~15 MiB).
// Bodies that need no scanning skip this: see Pipe().
constexpr size_t kDeliverChunk = 16 * 1024;

struct Transport;
struct FormSet;
struct Lane;

struct Connection {
  Transport* transport = nullptr;
  uint32_t id = 0;
  int fd = -1;
  SSL* ssl = nullptr;
  uv_poll_t poll;
  bool server = false;
  bool connecting = false;  // client: TCP connect still in progress
  bool secure = false;
  bool paused = false;
  bool readEnded = false;
  bool failed = false;
  bool ending = false;      // end() called: shut down once the queue is empty
  bool shutDown = false;
  bool destroyed = false;
  bool headBio = false;     // reading early bytes from a memory BIO before the socket
  bool wantDrain = false;
  int pollEvents = 0;
  std::string deferredError;  // a failure found inside a call from JavaScript, reported a tick later
  std::string sessionKey;     // client: where its TLS session is kept for the next dial
  // A body passed straight to another connection (pipe()): no JavaScript per chunk.
  uint32_t pipeTo = 0;
  uint64_t pipeLeft = 0;
  uint64_t piped = 0;
  bool pipeWaiting = false;   // the target is full: reading waits for it to drain
  uint32_t pipeFrom = 0;      // on a target: whose pipe waits for this one to drain
  double progress = 0;        // plaintext bytes read and written, for idle checks
  // The fast lane: on an agent's connection once JavaScript armed it; on an upstream's, the id of
  // the agent connection whose exchange is using it (its events then go to that lane, not JavaScript).
  Lane* lane = nullptr;
  uint32_t laneOf = 0;
  std::list<std::string> queue;  // plaintext SSL_write has not taken yet (a list: no allocation while empty)
  size_t queued = 0;
};

// What a context id names: a client context (a trust set), or a server leaf, whose certificate
// and key are set on each connection made from the one server context all leaves share (an
// SSL_CTX per leaf cost ~0.5 ms on a new host's first connection, and 24 KiB per cached host).
struct Context {
  SSL_CTX* ctx = nullptr;  // client contexts only: a reference of its own
  X509* cert = nullptr;    // server leaves only
  EVP_PKEY* key = nullptr;
  // The leaf's certificate digest as session id context: a ticket issued for one leaf never
  // resumes a connection that presents another (separate SSL_CTXs had separate ticket keys).
  unsigned char sidCtx[SSL_MAX_SID_CTX_LENGTH] = {};
};

void ReleaseContext(Context* c);

// One per Node environment (main thread or worker): no state is shared between threads.
struct Transport {
  napi_env env = nullptr;
  napi_ref callback = nullptr;
  napi_async_context asyncContext = nullptr;
  napi_ref resource = nullptr;  // the async resource of every callback (one object, not one per event)
  uv_loop_t* loop = nullptr;
  std::vector<Context> contexts;  // index = context id; freed slots have no ctx
  // The server context of every adopted connection, made with the first leaf and replaced by
  // RotateServerContext (new session ticket keys); connections keep the one they started with.
  SSL_CTX* sharedServer = nullptr;
  std::unordered_map<uint32_t, Connection*> connections;
  uint32_t nextId = 1;
  // Client sessions (tickets) per context, address, port and name: a new connection to the
  // same upstream resumes instead of a full handshake. Bounded; cleared when full.
  std::unordered_map<std::string, SSL_SESSION*> sessions;
  // Work that must not call back into JavaScript from inside one of its calls runs on this
  // zero-delay timer instead: errors found by write(), records left over when resume() is called.
  uv_timer_t deferTimer;
  std::vector<uint32_t> deferred;
  // Environment teardown (process exit, a worker ending) waits until every handle has closed.
  napi_async_cleanup_hook_handle cleanupHook = nullptr;
  int closing = 0;  // handles whose close callback has not run yet
  bool tearingDown = false;
  unsigned char readBuffer[kReadChunk];
  // The fast lane's tables, as `configure` gave them (lane-tables.h).
  lane::Tables laneTables;
  // Every injected value's forms some lane holds (lane.h FormSet): one copy however many
  // connections use the value, gone (wiped) with the last of them.
  std::vector<std::weak_ptr<FormSet>> formSets;
};

constexpr size_t kMaxSessions = 256;

// tls-context.cc
// The leaf's certificate and key (checked to match), with a reference to the shared server context.
bool NewServerLeaf(Transport* t, const std::string& certPem, const std::string& keyPem, Context* out, std::string* error);
// A new shared server context, so tickets issued so far no longer resume; false keeps the old one.
bool RotateServerContext(Transport* t, std::string* error);
SSL_CTX* NewClientContext(const std::vector<std::string>& caPems, std::string* error);

// Keeps `session` (a reference the caller gives up) as the one to resume for `key`.
void KeepSession(Transport* t, const std::string& key, SSL_SESSION* session);
void ClearSessions(Transport* t);

// tls-connection.cc
Connection* Adopt(Transport* t, int fd, const Context& leaf, const unsigned char* head, size_t headLen, std::string* error);
Connection* Dial(Transport* t, const std::string& address, int port, const std::string& servername,
                 const std::string& verifyName, SSL_CTX* ctx, std::string* error);
bool Write(Connection* c, const char* data, size_t len);
void End(Connection* c);
void SetPaused(Connection* c, bool paused);
// Passes the next `bytes` plaintext bytes read on `from` to `to` natively, then emits kPiped.
void Pipe(Connection* from, Connection* to, uint64_t bytes);
void Destroy(Connection* c);
void RunDeferred(Transport* t);
// A handle finished closing; the last one during teardown frees the Transport.
void HandleClosed(Transport* t);

// transport-env.cc: teardown when the environment ends (an async cleanup hook).
void AsyncCleanup(napi_async_cleanup_hook_handle hook, void* data);
// transport-env.cc: calls the JavaScript callback; `arg` may be null. EmitFor also passes a second
// argument and returns what the callback returned (null when it threw or could not run).
void Emit(Connection* c, EventKind kind, napi_value arg);
napi_value EmitFor(Connection* c, EventKind kind, napi_value arg, napi_value arg2);
napi_value NewBuffer(Transport* t, const unsigned char* data, size_t len);
napi_value NewString(Transport* t, const std::string& s);
napi_value NewNumber(Transport* t, double v);

}  // namespace nanoclaw
