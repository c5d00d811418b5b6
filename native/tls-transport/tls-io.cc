// One connection's data path: reads handed to JavaScript or piped to another connection,
// queued writes, shutdown. Runs on the loop thread; tls-connection.cc has the lifecycle.
#include <errno.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include "connection-internal.h"
#include "lane-ascii.h"
#include "lane.h"
#include "transport.h"

namespace nanoclaw {

namespace {

bool ReadPlain(Connection* c);

void ShutdownIfDone(Connection* c) {
  if (!c->ending || c->shutDown || !c->queue.empty() || !c->secure) return;
  c->shutDown = true;
  ERR_clear_error();
  SSL_shutdown(c->ssl);  // close_notify; the peer's is not awaited
  ERR_clear_error();
  shutdown(c->fd, SHUT_WR);
}

// Hands JavaScript what has arrived, gathering records up to kDeliverChunk per call.
bool Deliver(Connection* c, size_t filled) {
  if (filled == 0) return true;
  if (c->laneOf != 0) return LaneUpstreamData(c, c->transport->readBuffer, filled) && !c->destroyed && !c->failed;
  if (LaneActive(c)) return LaneAgentData(c, c->transport->readBuffer, filled) && !c->destroyed && !c->failed;
  Emit(c, kData, NewBuffer(c->transport, c->transport->readBuffer, filled));
  return !c->destroyed && !c->failed;
}

// A pipe's share of ReadAll: straight from this connection's records to the target's writes.
bool PipeRead(Connection* c) {
  Transport* t = c->transport;
  while (c->pipeLeft > 0 && !c->pipeWaiting && !c->readEnded) {
    auto it = t->connections.find(c->pipeTo);
    if (it == t->connections.end() || it->second->failed) {
      Fail(c, "the connection a body was passed to has closed");
      return false;
    }
    Connection* to = it->second;
    size_t want = c->pipeLeft < kReadChunk ? static_cast<size_t>(c->pipeLeft) : kReadChunk;
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(c->ssl, t->readBuffer, static_cast<int>(want));
    if (n <= 0) {
      // Nothing more for now, or an end or error that the normal read path reports.
      if (IsRetry(SSL_get_error(c->ssl, n))) return true;
      return ReadPlain(c);
    }
    c->pipeLeft -= static_cast<uint64_t>(n);
    c->piped += static_cast<uint64_t>(n);
    c->progress += n;
    if (!Write(to, reinterpret_cast<const char*>(t->readBuffer), static_cast<size_t>(n)) && !to->failed) {
      c->pipeWaiting = true;
      to->pipeFrom = c->id;
    }
  }
  if (c->pipeLeft > 0) return true;
  c->pipeTo = 0;
  double moved = static_cast<double>(c->piped);
  c->piped = 0;
  Emit(c, kPiped, NewNumber(t, moved));
  return !c->destroyed && !c->failed;
}

}  // namespace

// Returns false when the connection failed or was destroyed.
bool FlushQueue(Connection* c) {
  while (!c->queue.empty()) {
    std::string& front = c->queue.front();
    ERR_clear_error();
    errno = 0;
    int n = SSL_write(c->ssl, front.data(), static_cast<int>(front.size()));
    if (n <= 0) {
      if (IsRetry(SSL_get_error(c->ssl, n))) return true;
      Fail(c, Describe(c, "TLS write failed"));
      return false;
    }
    c->queued -= static_cast<size_t>(n);
    if (static_cast<size_t>(n) < front.size()) {
      front.erase(0, static_cast<size_t>(n));
    } else {
      lane::Wipe(&front);  // a request head may carry an injected value
      c->queue.pop_front();
    }
  }
  ShutdownIfDone(c);
  if (c->pipeFrom != 0) {
    // A pipe into this connection waited for room: it goes on a tick later.
    auto it = c->transport->connections.find(c->pipeFrom);
    c->pipeFrom = 0;
    if (it != c->transport->connections.end()) {
      it->second->pipeWaiting = false;
      Defer(it->second);
    }
  }
  if (c->wantDrain) {
    c->wantDrain = false;
    // Only the lane writes to a connection while its exchange is in flight.
    if (c->lane && c->lane->busy) LaneAgentDrained(c);
    else if (c->laneOf == 0) Emit(c, kDrain, nullptr);
  }
  return !c->destroyed;
}

bool ReadAll(Connection* c) {
  if (c->pipeTo != 0 && !PipeRead(c)) return false;
  if (c->pipeTo != 0) return true;  // waiting for the target, or for more records
  return ReadPlain(c);
}

namespace {

bool ReadPlain(Connection* c) {
  size_t filled = 0;
  while (!c->paused && !c->readEnded) {
    MaybeLeaveHeadBio(c);
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(c->ssl, c->transport->readBuffer + filled, static_cast<int>(kDeliverChunk - filled));
    if (n > 0) {
      filled += static_cast<size_t>(n);
      c->progress += n;
      // Nothing buffered: the poll says when more arrives, saving a read() that would say EAGAIN.
      bool more = c->headBio || SSL_has_pending(c->ssl);
      if (filled < kDeliverChunk && more) continue;
      if (!Deliver(c, filled)) return false;
      filled = 0;
      // A pipe JavaScript began while handling the delivery reads the rest itself (Pipe()
      // deferred it): reading on here would hand JavaScript bytes the pipe counts as its own.
      if (c->pipeTo != 0) return true;
      if (!more) return true;
      continue;
    }
    int err = SSL_get_error(c->ssl, n);
    if (IsRetry(err)) {
      if (c->headBio) continue;  // the memory BIO ran dry: read the socket now
      return Deliver(c, filled);
    }
    // Decided before JavaScript runs: it may touch errno and OpenSSL's error queue.
    bool eof = err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0);
    std::string failure = eof ? std::string() : Describe(c, "TLS read failed");
    if (!Deliver(c, filled)) return false;
    if (!eof) {
      Fail(c, failure);
      return false;
    }
    c->readEnded = true;
    if (c->laneOf != 0) LaneUpstreamStopped(c, std::string(), true);
    else if (!LaneAgentEnded(c)) Emit(c, kEnd, nullptr);
    return !c->destroyed && !c->failed;
  }
  return true;
}

}  // namespace

bool Write(Connection* c, const char* data, size_t len) {
  if (c->failed || c->ending) return false;
  c->progress += static_cast<double>(len);
  // With partial writes on, SSL_write stops after each record: loop until the socket is full.
  while (c->secure && c->queue.empty() && len > 0) {
    ERR_clear_error();
    errno = 0;
    int n = SSL_write(c->ssl, data, static_cast<int>(len));
    if (n > 0) {
      data += n;
      len -= static_cast<size_t>(n);
      continue;
    }
    if (IsRetry(SSL_get_error(c->ssl, n))) break;
    c->deferredError = Describe(c, "TLS write failed");
    uv_poll_stop(&c->poll);
    c->pollEvents = 0;
    c->failed = true;
    Defer(c);
    return false;
  }
  if (len == 0) return true;
  c->queue.emplace_back(data, len);
  c->queued += len;
  UpdatePoll(c);
  if (c->queued < kHighWater) return true;
  c->wantDrain = true;
  return false;
}

void End(Connection* c) {
  if (c->ending || c->failed) return;
  c->ending = true;
  ShutdownIfDone(c);
  UpdatePoll(c);
}

void SetPaused(Connection* c, bool paused) {
  if (c->paused == paused) return;
  c->paused = paused;
  // Records OpenSSL already decrypted would never wake the poll: deliver them a tick later.
  if (!paused && c->secure && !c->failed && SSL_has_pending(c->ssl)) Defer(c);
  UpdatePoll(c);
}

void Pipe(Connection* from, Connection* to, uint64_t bytes) {
  from->pipeTo = to->id;
  from->pipeLeft = bytes;
  from->piped = 0;
  // The pipe does its own flow control from here on (see PipeRead).
  from->paused = false;
  from->pipeWaiting = to->queued >= kHighWater;
  if (from->pipeWaiting) to->pipeFrom = from->id;
  else Defer(from);
}

}  // namespace nanoclaw
