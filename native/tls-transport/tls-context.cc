// SSL_CTX construction: one server context shared by every leaf, one client context per trust set.
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "transport.h"

namespace nanoclaw {

namespace {

const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
// One group per tuple ("/"): the server's order decides, not the client's (OpenSSL 3.5 syntax).
const char kAgentGroups[] = "X25519/secp256r1/secp384r1/X25519MLKEM768";

std::string LastError(const char* what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return what;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return std::string(what) + ": " + buf;
}

// The gateway speaks HTTP/1.1 to agents: offer exactly that, or no ALPN at all.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
               void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Shared by both sides: modern protocols only, and buffers given back while a connection is
// idle (most of what an idle TLS connection would otherwise hold).
void CommonSetup(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A TCP FIN without close_notify is an end, as Node's TLS treats it: HTTP framing, not TLS,
  // tells a complete message from a truncated one.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // One read() per burst of records instead of two per record (header, then body).
  SSL_CTX_set_read_ahead(ctx, 1);
}

// A ticket arrived (TLS 1.3: after the handshake): keep it for the connection's destination.
int OnNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* c = static_cast<Connection*>(SSL_get_app_data(ssl));
  if (!c || c->sessionKey.empty()) return 0;
  KeepSession(c->transport, c->sessionKey, session);
  return 1;  // the reference is ours now
}

}  // namespace

void KeepSession(Transport* t, const std::string& key, SSL_SESSION* session) {
  if (t->sessions.size() >= kMaxSessions && t->sessions.find(key) == t->sessions.end()) ClearSessions(t);
  SSL_SESSION*& slot = t->sessions[key];
  if (slot) SSL_SESSION_free(slot);
  slot = session;
}

void ClearSessions(Transport* t) {
  for (auto& entry : t->sessions) SSL_SESSION_free(entry.second);
  t->sessions.clear();
}

namespace {

SSL_CTX* NewSharedServerContext(std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    *error = LastError("cannot create a TLS server context");
    return nullptr;
  }
  CommonSetup(ctx);
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  // The agents' leg never leaves this host (a Docker network to the vault), where recorded
  // traffic is no threat the hybrid post-quantum exchange would answer; classic X25519 first
  // saves ~5 KiB per idle connection (the upstream leg keeps OpenSSL's defaults, hybrid first).
  if (SSL_CTX_set1_groups_list(ctx, kAgentGroups) != 1) {
    *error = LastError("cannot set the key exchange groups");
    SSL_CTX_free(ctx);
    return nullptr;
  }
  // Agents reconnect often; stateless tickets make that a resumption without server-side state.
  // A ticket names no leaf: the resumed connection still presents the leaf its adopt() chose.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

}  // namespace

void ReleaseContext(Context* c) {
  SSL_CTX_free(c->ctx);  // SSL objects hold their own references
  X509_free(c->cert);
  EVP_PKEY_free(c->key);
  *c = Context();
}

bool NewServerLeaf(Transport* t, const std::string& certPem, const std::string& keyPem, Context* out, std::string* error) {
  if (!t->sharedServer && !(t->sharedServer = NewSharedServerContext(error))) return false;
  BIO* certBio = BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size()));
  X509* cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
  BIO_free(certBio);
  BIO* keyBio = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
  BIO_free(keyBio);
  Context leaf{nullptr, cert, key, {}};
  unsigned int digestLen = 0;
  if (!cert || !key || X509_check_private_key(cert, key) != 1 ||
      X509_digest(cert, EVP_sha256(), leaf.sidCtx, &digestLen) != 1 || digestLen != sizeof leaf.sidCtx) {
    *error = LastError("the leaf certificate or key is not usable");
    X509_free(cert);
    EVP_PKEY_free(key);
    return false;
  }
  *out = leaf;
  return true;
}

bool RotateServerContext(Transport* t, std::string* error) {
  SSL_CTX* fresh = NewSharedServerContext(error);
  if (!fresh) return false;
  SSL_CTX_free(t->sharedServer);  // open connections hold their own references
  t->sharedServer = fresh;
  return true;
}

SSL_CTX* NewClientContext(const std::vector<std::string>& caPems, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    *error = LastError("cannot create a TLS client context");
    return nullptr;
  }
  CommonSetup(ctx);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  for (const std::string& pem : caPems) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      if (X509_STORE_add_cert(store, cert) == 1) added++;
      X509_free(cert);
    }
    BIO_free(bio);
    ERR_clear_error();  // the end of each PEM bundle reads as an error
  }
  if (added == 0) {
    *error = "no usable CA certificate was given";
    SSL_CTX_free(ctx);
    return nullptr;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_alpn_protos(ctx, kHttp11, sizeof kHttp11);
  // Sessions are kept by the transport, keyed by destination (see Dial), not in OpenSSL's cache.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, OnNewSession);
  return ctx;
}

}  // namespace nanoclaw
