/*
 * The benchmark's cost floor, not part of the product: the least a TLS-terminating proxy that
 * injects a header can do. One thread, epoll, OpenSSL. It answers CONNECT, terminates TLS with
 * one fixed certificate, opens one verified upstream TLS connection per client connection (no
 * pool), inserts one header line after each request line, and copies responses as opaque bytes
 * (no parsing, no redaction, no audit, no policy). Whatever it costs per request on a machine
 * is what any proxy doing the gateway's job there costs at least.
 *
 * usage: floor-proxy PORT UPSTREAM_PORT CERT_PEM KEY_PEM UPSTREAM_CA_PEM HEADER_FILE
 * HEADER_FILE holds the line to insert ("name: value"), so the value is never on a command line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BUF = 16 * 1024 + 512, HEAD_MAX = 8192, LINE_MAX_KEPT = 64 };
enum { S_CONNECT, S_ACCEPT, S_RELAY };
enum { U_NONE, U_TCP, U_TLS, U_READY };
enum { RQ_LINE, RQ_HEADERS, RQ_BODY };

typedef struct buffer {
  unsigned char *data;
  size_t off, len;
} buffer;

struct pair;
typedef struct endpoint {
  struct pair *pair;
  int fd;
  SSL *ssl;
  int registered;
  unsigned interest;
} endpoint;

typedef struct pair {
  endpoint c, u;
  int state, up;
  char host[256];
  buffer from_client; /* decrypted client bytes not yet rewritten */
  buffer to_upstream; /* rewritten bytes not yet written upstream */
  buffer to_client;   /* upstream bytes not yet written to the client */
  int rq;
  long long body_left, content_length;
  char line[LINE_MAX_KEPT + 1];
  size_t line_len;
  int chunked;
} pair;

static int ep;
static SSL_CTX *server_ctx, *client_ctx;
static struct sockaddr_in upstream_addr;
static char inject[1024];
static size_t inject_len;

static void die(const char *what) {
  fprintf(stderr, "floor-proxy: %s: %s\n", what, strerror(errno));
  exit(1);
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  static char data[4096];
  *len = fread(data, 1, sizeof data - 1, f);
  fclose(f);
  data[*len] = 0;
  return data;
}

static void watch(endpoint *e, unsigned events) {
  if (e->fd < 0 || (e->registered && e->interest == events)) return;
  struct epoll_event ev = {.events = events, .data.ptr = e};
  if (epoll_ctl(ep, e->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, e->fd, &ev) != 0) die("epoll_ctl");
  e->registered = 1;
  e->interest = events;
}

static void close_pair(pair *p) {
  endpoint *ends[2] = {&p->c, &p->u};
  for (int i = 0; i < 2; i++) {
    if (ends[i]->ssl) SSL_free(ends[i]->ssl);
    if (ends[i]->fd >= 0) close(ends[i]->fd);
  }
  free(p->from_client.data);
  free(p->to_upstream.data);
  free(p->to_client.data);
  free(p);
}

/* 1: progress or would block; 0: the connection is over. */
static int ssl_status(SSL *ssl, int r) {
  int err = SSL_get_error(ssl, r);
  ERR_clear_error();
  return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
}

/* The outcome of an SSL_read or SSL_write: bytes moved set `progress`; 0 when the connection is over. */
static int went_on(SSL *ssl, int r, int *progress) {
  if (r > 0) {
    *progress = 1;
    return 1;
  }
  return ssl_status(ssl, r);
}

static int put(buffer *b, const void *data, size_t n) {
  if (b->len + n > BUF) return 0;
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return 1;
}

/* Moves client bytes to the upstream buffer, inserting the header after each request line. */
static int rewrite(pair *p) {
  buffer *in = &p->from_client, *out = &p->to_upstream;
  while (in->off < in->len) {
    unsigned char *at = in->data + in->off;
    size_t avail = in->len - in->off;
    if (p->rq == RQ_BODY) {
      size_t n = avail < (size_t)p->body_left ? avail : (size_t)p->body_left;
      if (!put(out, at, n)) return 1;
      in->off += n;
      p->body_left -= (long long)n;
      if (p->body_left == 0) p->rq = RQ_LINE;
      continue;
    }
    unsigned char *nl = memchr(at, '\n', avail);
    size_t n = nl ? (size_t)(nl - at) + 1 : avail;
    if (out->len + n + inject_len > BUF) return 1;
    put(out, at, n);
    in->off += n;
    size_t keep = n < LINE_MAX_KEPT - p->line_len ? n : LINE_MAX_KEPT - p->line_len;
    memcpy(p->line + p->line_len, at, keep);
    p->line_len += keep;
    p->line[p->line_len] = 0;
    if (!nl) continue;
    if (p->rq == RQ_LINE) {
      put(out, inject, inject_len);
      p->rq = RQ_HEADERS;
      p->content_length = 0;
    } else if (p->line_len <= 2) {
      if (p->chunked) return 0; /* the bench sends no chunked bodies */
      p->body_left = p->content_length;
      p->rq = p->body_left > 0 ? RQ_BODY : RQ_LINE;
    } else if (p->line_len > 15 && strncasecmp(p->line, "content-length:", 15) == 0) {
      p->content_length = atoll(p->line + 15);
    } else if (p->line_len > 18 && strncasecmp(p->line, "transfer-encoding:", 18) == 0) {
      p->chunked = 1;
    }
    p->line_len = 0;
  }
  in->off = in->len = 0;
  return 1;
}

/* SSL_write of what waits in `b`; a partial write keeps the rest for later. */
static int write_out(SSL *ssl, buffer *b) {
  int r = SSL_write(ssl, b->data + b->off, (int)(b->len - b->off));
  if (r > 0 && (b->off += (size_t)r) == b->len) b->off = b->len = 0;
  return r;
}

/* 1 once a non-blocking connect has completed, 0 while it is under way, -1 when it failed. */
static int connected(int fd) {
  struct pollfd pfd = {.fd = fd, .events = POLLOUT};
  if (poll(&pfd, 1, 0) != 1) return 0;
  int err = 0;
  socklen_t len = sizeof err;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 ? 1 : -1;
}

static int start_upstream(pair *p) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return 0;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&upstream_addr, sizeof upstream_addr) != 0 && errno != EINPROGRESS) {
    close(fd);
    return 0;
  }
  p->u.fd = fd;
  p->u.ssl = SSL_new(client_ctx);
  SSL_set_fd(p->u.ssl, fd);
  SSL_set_tlsext_host_name(p->u.ssl, p->host);
  SSL_set1_host(p->u.ssl, p->host);
  SSL_set_connect_state(p->u.ssl);
  p->up = U_TCP;
  return 1;
}

/* Reads the plaintext CONNECT request and answers it. */
static int on_connect_request(pair *p) {
  buffer *b = &p->from_client;
  ssize_t r = read(p->c.fd, b->data + b->len, HEAD_MAX - b->len);
  if (r == 0 || (r < 0 && errno != EAGAIN)) return 0;
  if (r < 0) return 1;
  b->len += (size_t)r;
  b->data[b->len] = 0;
  if (!strstr((char *)b->data, "\r\n\r\n")) return b->len < HEAD_MAX;
  char authority[300];
  if (sscanf((char *)b->data, "CONNECT %299s HTTP/1.1", authority) != 1) return 0;
  char *colon = strrchr(authority, ':');
  if (!colon || (size_t)(colon - authority) >= sizeof p->host) return 0;
  memcpy(p->host, authority, (size_t)(colon - authority));
  p->host[colon - authority] = 0;
  static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
  if (write(p->c.fd, ok, sizeof ok - 1) != (ssize_t)(sizeof ok - 1)) return 0;
  b->off = b->len = 0;
  p->c.ssl = SSL_new(server_ctx);
  SSL_set_fd(p->c.ssl, p->c.fd);
  SSL_set_accept_state(p->c.ssl);
  p->state = S_ACCEPT;
  return 1;
}

/* Makes every step it can; 0 when the pair is over. */
static int pump(pair *p) {
  if (p->state == S_CONNECT && !on_connect_request(p)) return 0;
  if (p->state == S_ACCEPT) {
    int r = SSL_accept(p->c.ssl);
    if (r <= 0) return ssl_status(p->c.ssl, r);
    p->state = S_RELAY;
  }
  if (p->state != S_RELAY) return 1;
  for (int progress = 1; progress;) {
    progress = 0;
    if (p->from_client.len == 0 && p->to_upstream.len == 0) {
      /* Room for an inserted line: a head's bytes and the line always fit an empty buffer. */
      int r = SSL_read(p->c.ssl, p->from_client.data, BUF - (int)sizeof inject);
      if (r > 0) p->from_client.len = (size_t)r;
      if (!went_on(p->c.ssl, r, &progress)) return 0;
    }
    if (p->from_client.len > p->from_client.off && !rewrite(p)) return 0;
    if (p->to_upstream.len > 0 && p->up == U_NONE && !start_upstream(p)) return 0;
    if (p->up == U_TCP) {
      int c = connected(p->u.fd);
      if (c < 0) return 0;
      if (c > 0) p->up = U_TLS;
    }
    if (p->up == U_TLS) {
      int r = SSL_connect(p->u.ssl);
      if (!went_on(p->u.ssl, r, &progress)) return 0;
      if (r > 0) p->up = U_READY;
    }
    if (p->up != U_READY) break;
    if (p->to_upstream.len > 0 && !went_on(p->u.ssl, write_out(p->u.ssl, &p->to_upstream), &progress)) return 0;
    if (p->to_client.len == 0) {
      int r = SSL_read(p->u.ssl, p->to_client.data, BUF);
      if (r > 0) p->to_client.len = (size_t)r;
      if (!went_on(p->u.ssl, r, &progress)) return 0;
    }
    if (p->to_client.len > 0 && !went_on(p->c.ssl, write_out(p->c.ssl, &p->to_client), &progress)) return 0;
  }
  /* Level-triggered: read only where there is room, write only where something waits. */
  unsigned c = 0, u = 0;
  if (p->from_client.len == 0 && p->to_upstream.len == 0) c |= EPOLLIN;
  if (p->to_client.len > 0 || SSL_want_write(p->c.ssl)) c |= EPOLLOUT;
  if (p->up == U_TCP || (p->up == U_TLS && SSL_want_write(p->u.ssl)) || (p->up == U_READY && p->to_upstream.len > 0)) u |= EPOLLOUT;
  if ((p->up == U_TLS && SSL_want_read(p->u.ssl)) || (p->up == U_READY && p->to_client.len == 0)) u |= EPOLLIN;
  watch(&p->c, c ? c : EPOLLIN);
  if (p->up != U_NONE) watch(&p->u, u ? u : EPOLLIN);
  return 1;
}

static void on_accept(int listener) {
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pair *p = calloc(1, sizeof *p);
    p->c = (endpoint){.pair = p, .fd = fd};
    p->u = (endpoint){.pair = p, .fd = -1};
    p->from_client.data = malloc(BUF + 1);
    p->to_upstream.data = malloc(BUF);
    p->to_client.data = malloc(BUF);
    watch(&p->c, EPOLLIN);
  }
}

static SSL_CTX *context(const SSL_METHOD *method) {
  SSL_CTX *ctx = SSL_CTX_new(method);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: floor-proxy PORT UPSTREAM_PORT CERT_PEM KEY_PEM UPSTREAM_CA_PEM HEADER_FILE\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  server_ctx = context(TLS_server_method());
  if (SSL_CTX_use_certificate_chain_file(server_ctx, argv[3]) != 1 ||
      SSL_CTX_use_PrivateKey_file(server_ctx, argv[4], SSL_FILETYPE_PEM) != 1) {
    fprintf(stderr, "floor-proxy: cannot load the certificate or key\n");
    return 1;
  }
  client_ctx = context(TLS_client_method());
  if (SSL_CTX_load_verify_locations(client_ctx, argv[5], NULL) != 1) {
    fprintf(stderr, "floor-proxy: cannot load the upstream CA\n");
    return 1;
  }
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);
  size_t n;
  const char *line = read_file(argv[6], &n);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
  if (n == 0 || n + 2 > sizeof inject) {
    fprintf(stderr, "floor-proxy: the header file is empty or too long\n");
    return 1;
  }
  memcpy(inject, line, n);
  memcpy(inject + n, "\r\n", 2);
  inject_len = n + 2;

  upstream_addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  inet_pton(AF_INET, "127.0.0.1", &upstream_addr.sin_addr);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4096) != 0) die("listen");
  ep = epoll_create1(0);
  static endpoint listen_end = {.fd = -1};
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_end};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);

  struct epoll_event events[256];
  for (;;) {
    int count = epoll_wait(ep, events, 256, -1);
    if (count < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < count; i++) {
      endpoint *e = events[i].data.ptr;
      if (e == NULL) continue; /* its pair was closed earlier in this batch */
      if (e == &listen_end) {
        on_accept(listener);
        continue;
      }
      pair *p = e->pair;
      if (!pump(p)) {
        for (int j = i + 1; j < count; j++) {
          endpoint *later = events[j].data.ptr;
          if (later == &p->c || later == &p->u) events[j].data.ptr = NULL;
        }
        close_pair(p);
      }
    }
  }
}
