// One connection's lifecycle: TCP connect (client), handshake, polling, deferred work, teardown
// (tls-io.cc moves the bytes). Everything runs on the loop thread; callbacks into JavaScript may
// destroy the connection, so after every Emit the code checks `destroyed` before touching it again.
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

#include "connection-internal.h"
#include "lane-ascii.h"
#include "lane.h"
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

void OnDeferTimer(uv_timer_t* timer) {
  Transport* t = static_cast<Transport*>(timer->data);
  napi_handle_scope scope;
  napi_open_handle_scope(t->env, &scope);
  RunDeferred(t);
  napi_close_handle_scope(t->env, scope);
}

}  // namespace

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
  if (c->laneOf != 0) return LaneUpstreamStopped(c, message, false);
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

void Defer(Connection* c) {
  Transport* t = c->transport;
  t->deferred.push_back(c->id);
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&t->deferTimer))) {
    t->deferTimer.data = t;
    uv_timer_start(&t->deferTimer, OnDeferTimer, 0, 0);
  }
}

namespace {

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

Connection* Adopt(Transport* t, int fd, const Context& leaf, const unsigned char* head, size_t headLen, std::string* error) {
  if (!leaf.cert || !leaf.key || !t->sharedServer) {
    *error = "adopt needs a server leaf context";
    return nullptr;
  }
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) {
    *error = std::string("cannot take over the socket: ") + strerror(errno);
    return nullptr;
  }
  int flags = fcntl(own, F_GETFL);
  fcntl(own, F_SETFL, flags | O_NONBLOCK);
  Connection* c = Register(t, own, t->sharedServer, true, error);
  if (!c) return nullptr;
  if (SSL_use_certificate(c->ssl, leaf.cert) != 1 || SSL_use_PrivateKey(c->ssl, leaf.key) != 1 ||
      SSL_set_session_id_context(c->ssl, leaf.sidCtx, sizeof leaf.sidCtx) != 1) {
    ERR_clear_error();
    *error = "cannot set the leaf on the connection";
    Destroy(c);
    return nullptr;
  }
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
  SSL_set_app_data(c->ssl, c);
  c->sessionKey = std::to_string(reinterpret_cast<uintptr_t>(ctx)) + '|' + address + '|' + std::to_string(port) + '|' +
                  servername + '|' + verifyName;
  auto kept = t->sessions.find(c->sessionKey);
  if (kept != t->sessions.end()) SSL_set_session(c->ssl, kept->second);
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

void Destroy(Connection* c) {
  if (c->destroyed) return;
  c->destroyed = true;
  // Writes that never went out may carry an injected value.
  for (std::string& pending : c->queue) lane::Wipe(&pending);
  c->queue.clear();
  c->queued = 0;
  if (c->lane) LaneAgentGone(c);
  if (c->laneOf != 0 && !c->transport->tearingDown) LaneUpstreamGone(c);
  c->transport->connections.erase(c->id);
  c->transport->closing++;
  uv_poll_stop(&c->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->poll), OnClosed);
}

}  // namespace nanoclaw
