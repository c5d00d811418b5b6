// One connection's state machine: TCP connect (client), handshake, reads, queued writes, shutdown.
// Everything runs on the loop thread; callbacks into JavaScript may destroy the connection, so
// after every Emit the code checks `destroyed` before touching it again.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport.h"

namespace nanoclaw {

namespace {

void OnPoll(uv_poll_t* handle, int status, int events);

void OnClosed(uv_handle_t* handle) {
  Connection* c = static_cast<Connection*>(handle->data);
  Transport* t = c->transport;
  SSL_free(c->ssl);
  if (c->fd >= 0) close(c->fd);
  delete c;
  HandleClosed(t);
}

std::string Describe(Connection* c, const char* what) {
  std::string msg = what;
  if (!c->server && !c->secure) {
    long verify = SSL_get_verify_result(c->ssl);
    if (verify != X509_V_OK) {
      msg += ": certificate verify failed: ";
      msg += X509_verify_cert_error_string(verify);
      ERR_clear_error();
      return msg;
    }
  }
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  } else if (errno != 0 && errno != EAGAIN) {
    msg += ": ";
    msg += strerror(errno);
  }
  ERR_clear_error();
  return msg;
}

// Reports the failure once and goes quiet until JavaScript destroys the connection.
void Fail(Connection* c, const std::string& message) {
  if (c->failed || c->destroyed) return;
  c->failed = true;
  uv_poll_stop(&c->poll);
  c->pollEvents = 0;
  Emit(c, kError, NewString(c->transport, message));
}

void UpdatePoll(Connection* c) {
  if (c->destroyed || c->failed) return;
  int events = 0;
  if (c->connecting) {
    events = UV_WRITABLE;
  } else if (!c->secure) {
    events = SSL_want_write(c->ssl) ? UV_WRITABLE : UV_READABLE;
  } else {
    if (!c->paused && !c->readEnded && !c->pipeWaiting) events |= UV_READABLE;
    if (!c->queue.empty()) events |= UV_WRITABLE;
  }
  if (events == c->pollEvents) return;
  c->pollEvents = events;
  if (events == 0) uv_poll_stop(&c->poll);
  else uv_poll_start(&c->poll, events, OnPoll);
}

// Early bytes (read before the handshake began) come from a memory BIO; once it is empty the
// socket itself is read.
void MaybeLeaveHeadBio(Connection* c) {
  if (!c->headBio || BIO_ctrl_pending(SSL_get_rbio(c->ssl)) > 0) return;
  c->headBio = false;
  SSL_set0_rbio(c->ssl, BIO_new_socket(c->fd, BIO_NOCLOSE));  // frees the memory BIO
}

bool IsRetry(int err) { return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE; }

void OnDeferTimer(uv_timer_t* timer) {
  Transport* t = static_cast<Transport*>(timer->data);
  napi_handle_scope scope;
  napi_open_handle_scope(t->env, &scope);
  RunDeferred(t);
  napi_close_handle_scope(t->env, scope);
}

void Defer(Connection* c) {
  Transport* t = c->transport;
  t->deferred.push_back(c->id);
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&t->deferTimer))) {
    t->deferTimer.data = t;
    uv_timer_start(&t->deferTimer, OnDeferTimer, 0, 0);
  }
}

void ShutdownIfDone(Connection* c) {
  if (!c->ending || c->shutDown || !c->queue.empty() || !c->secure) return;
  c->shutDown = true;
  ERR_clear_error();
  SSL_shutdown(c->ssl);  // close_notify; the peer's is not awaited
  ERR_clear_error();
  shutdown(c->fd, SHUT_WR);
}

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
    if (static_cast<size_t>(n) < front.size()) front.erase(0, static_cast<size_t>(n));
    else c->queue.pop_front();
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
    Emit(c, kDrain, nullptr);
  }
  return !c->destroyed;
}

bool ReadPlain(Connection* c);

// Hands JavaScript what has arrived, gathering records up to kDeliverChunk per call.
bool Deliver(Connection* c, size_t filled) {
  if (filled == 0) return true;
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

bool ReadAll(Connection* c) {
  if (c->pipeTo != 0 && !PipeRead(c)) return false;
  if (c->pipeTo != 0) return true;  // waiting for the target, or for more records
  return ReadPlain(c);
}

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
    Emit(c, kEnd, nullptr);
    return !c->destroyed && !c->failed;
  }
  return true;
}

void Drive(Connection* c) {
  if (c->connecting) {
    int soError = 0;
    socklen_t len = sizeof soError;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soError, &len);
    if (soError != 0) return Fail(c, std::string("connect failed: ") + strerror(soError));
    c->connecting = false;
  }
  if (!c->secure) {
    for (;;) {
      MaybeLeaveHeadBio(c);
      ERR_clear_error();
      errno = 0;
      int r = SSL_do_handshake(c->ssl);
      if (r == 1) break;
      int err = SSL_get_error(c->ssl, r);
      if (IsRetry(err) && c->headBio) continue;
      if (IsRetry(err)) return UpdatePoll(c);
      return Fail(c, Describe(c, "TLS handshake failed"));
    }
    c->secure = true;
    Emit(c, kSecure, nullptr);
    if (c->destroyed || c->failed) return;
  }
  if (!FlushQueue(c)) return;
  if (!ReadAll(c)) return;
  UpdatePoll(c);
}

void OnPoll(uv_poll_t* handle, int status, int) {
  Connection* c = static_cast<Connection*>(handle->data);
  napi_handle_scope scope;
  napi_open_handle_scope(c->transport->env, &scope);
  if (status < 0) {
    // libuv reports only that the descriptor failed; the socket itself says why.
    int soError = 0;
    socklen_t len = sizeof soError;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soError, &len);
    std::string why = soError != 0 ? strerror(soError) : uv_strerror(status);
    Fail(c, std::string(c->connecting ? "connect failed: " : "socket error: ") + why);
  }
  else Drive(c);
  napi_close_handle_scope(c->transport->env, scope);
}

Connection* Register(Transport* t, int fd, SSL_CTX* ctx, bool server, std::string* error) {
  SSL* ssl = SSL_new(ctx);
  if (!ssl) {
    close(fd);
    *error = "cannot create a TLS connection";
    return nullptr;
  }
  Connection* c = new Connection();
  c->transport = t;
  c->id = t->nextId++;
  c->fd = fd;
  c->ssl = ssl;
  c->server = server;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (uv_poll_init(t->loop, &c->poll, fd) != 0) {
    SSL_free(ssl);
    close(fd);
    delete c;
    *error = "cannot watch the socket";
    return nullptr;
  }
  c->poll.data = c;
  t->connections[c->id] = c;
  return c;
}

}  // namespace

Connection* Adopt(Transport* t, int fd, SSL_CTX* ctx, const unsigned char* head, size_t headLen, std::string* error) {
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) {
    *error = std::string("cannot take over the socket: ") + strerror(errno);
    return nullptr;
  }
  int flags = fcntl(own, F_GETFL);
  fcntl(own, F_SETFL, flags | O_NONBLOCK);
  Connection* c = Register(t, own, ctx, true, error);
  if (!c) return nullptr;
  if (head && headLen > 0) {
    BIO* mem = BIO_new(BIO_s_mem());
    BIO_write(mem, head, static_cast<int>(headLen));
    BIO* sock = BIO_new_socket(own, BIO_NOCLOSE);
    SSL_set_bio(c->ssl, mem, sock);
    c->headBio = true;
  } else {
    SSL_set_fd(c->ssl, own);
  }
  SSL_set_accept_state(c->ssl);
  UpdatePoll(c);
  // The socket may stay silent until we answer the early bytes: start on them a tick later.
  if (c->headBio) Defer(c);
  return c;
}

Connection* Dial(Transport* t, const std::string& address, int port, const std::string& servername,
                 const std::string& verifyName, SSL_CTX* ctx, std::string* error) {
  sockaddr_storage storage{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
  } else {
    *error = "the address to dial is not an IP literal";
    return nullptr;
  }
  int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot open a socket: ") + strerror(errno);
    return nullptr;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0 && errno != EINPROGRESS) {
    *error = std::string("connect failed: ") + strerror(errno);
    close(fd);
    return nullptr;
  }
  Connection* c = Register(t, fd, ctx, false, error);
  if (!c) return nullptr;
  SSL_set_fd(c->ssl, fd);
  SSL_set_connect_state(c->ssl);
  if (!servername.empty()) SSL_set_tlsext_host_name(c->ssl, servername.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(c->ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  unsigned char ip[16];
  bool isIp = inet_pton(AF_INET, verifyName.c_str(), ip) == 1 || inet_pton(AF_INET6, verifyName.c_str(), ip) == 1;
  int ok = isIp ? X509_VERIFY_PARAM_set1_ip_asc(param, verifyName.c_str())
                : X509_VERIFY_PARAM_set1_host(param, verifyName.c_str(), verifyName.size());
  if (ok != 1 || verifyName.empty()) {
    *error = "the name to verify is not usable";
    Destroy(c);
    return nullptr;
  }
  c->connecting = true;
  UpdatePoll(c);
  return c;
}

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

void RunDeferred(Transport* t) {
  std::vector<uint32_t> ids;
  ids.swap(t->deferred);
  for (uint32_t id : ids) {
    auto it = t->connections.find(id);
    if (it == t->connections.end()) continue;
    Connection* c = it->second;
    if (!c->deferredError.empty()) {
      std::string message;
      message.swap(c->deferredError);
      c->failed = false;
      Fail(c, message);
    } else if (!c->failed) {
      Drive(c);
    }
  }
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

void Destroy(Connection* c) {
  if (c->destroyed) return;
  c->destroyed = true;
  c->transport->connections.erase(c->id);
  c->transport->closing++;
  uv_poll_stop(&c->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->poll), OnClosed);
}

}  // namespace nanoclaw
