// See lane-testing.h. Argument checks here are the contract the differential tests rely on;
// nothing here runs on the gateway's path.
#include "lane-testing.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "lane-echo.h"
#include "lane-request.h"
#include "lane-response.h"
#include "lane.h"
#include "napi-values.h"

namespace nanoclaw {
namespace lane {

namespace {

// The first N arguments; those not given stay null, which every check below refuses.
template <size_t N>
struct Args {
  Args(napi_env env, napi_callback_info info) { napi_get_cb_info(env, info, &count, v, nullptr, nullptr); }
  size_t count = N;  // as given, so it may exceed N
  napi_value v[N] = {};
};

// `code` stays null where the entry point has always thrown without one.
napi_value ThrowType(napi_env env, const char* message, const char* code = nullptr) {
  napi_throw_type_error(env, code, message);
  return nullptr;
}

napi_value Str(napi_env env, const char* s, size_t len) {
  napi_value r;
  napi_create_string_latin1(env, s, len, &r);
  return r;
}

napi_value Str(napi_env env, const char* s) { return Str(env, s, std::strlen(s)); }

napi_value Str(napi_env env, const char* base, Span s) { return Str(env, base + s.off, s.len); }

void Set(napi_env env, napi_value obj, const char* key, napi_value v) { napi_set_named_property(env, obj, key, v); }

// [name, value, …] for the fields, as the tests compare them with rawHeaders.
napi_value FieldList(napi_env env, const char* base, const std::vector<Field>& fields) {
  napi_value list;
  napi_create_array_with_length(env, fields.size() * 2, &list);
  uint32_t i = 0;
  for (const Field& f : fields) {
    napi_set_element(env, list, i++, Str(env, base, f.name));
    napi_set_element(env, list, i++, Str(env, base, f.value));
  }
  return list;
}

bool ArrayLength(napi_env env, napi_value v, uint32_t* len) {
  bool is_array = false;
  return napi_is_array(env, v, &is_array) == napi_ok && is_array && napi_get_array_length(env, v, len) == napi_ok;
}

bool Utf8(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->assign(len, '\0');
  return napi_get_value_string_utf8(env, v, &(*out)[0], len + 1, &len) == napi_ok;
}

napi_value NewBuffer(napi_env env, const std::string& bytes) {
  napi_value b = nullptr;
  void* data = nullptr;
  if (napi_create_buffer(env, bytes.size(), &data, &b) != napi_ok) return nullptr;
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  return b;
}

}  // namespace

napi_value TestParseRequestHead(napi_env env, napi_callback_info info) {
  Args<2> args(env, info);
  const char* data = nullptr;
  size_t len = 0;
  double max = -1;
  if (!BufferArg(env, args.v[0], &data, &len) || napi_get_value_double(env, args.v[1], &max) != napi_ok ||
      !(max >= 0 && max <= 1e9)) {
    return ThrowType(env, "parseRequestHead(head: Buffer, maxHeaderSize: number)");
  }
  // An exact-size copy: Node's small Buffers share a pool, so AddressSanitizer would not see a
  // read past the end of one.
  std::unique_ptr<char[]> copy(new char[len > 0 ? len : 1]);
  if (len > 0) std::memcpy(copy.get(), data, len);
  const char* base = copy.get();
  // The tables `configure` gave this thread's transport: the ones the lane reads.
  Transport* t = nullptr;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, reinterpret_cast<void**>(&t));
  RequestHead head;
  switch (ParseRequestHead(base, len, static_cast<size_t>(max), t->laneTables, &head)) {
    case HeadResult::kIncomplete:
      return Str(env, "incomplete");
    case HeadResult::kOther:
      return Str(env, "other");
    case HeadResult::kOrdinary:
      break;
  }
  napi_value r;
  napi_create_object(env, &r);
  Set(env, r, "headLen", Num(env, static_cast<double>(head.headLen)));
  Set(env, r, "method", Str(env, base, head.method));
  Set(env, r, "target", Str(env, base, head.target));
  Set(env, r, "host", Str(env, base, head.host));
  Set(env, r, "contentLength", Num(env, static_cast<double>(head.contentLength)));
  Set(env, r, "connectionKeepAlive", Bool(env, head.connectionKeepAlive));
  Set(env, r, "fields", FieldList(env, base, head.fields));
  return r;
}

napi_value TestParseResponseHead(napi_env env, napi_callback_info info) {
  Args<2> args(env, info);
  const char* data = nullptr;
  size_t len = 0;
  bool headRequest = false;
  if (args.count < 2 || !BufferArg(env, args.v[0], &data, &len) ||
      napi_get_value_bool(env, args.v[1], &headRequest) != napi_ok) {
    return ThrowType(env, "parseResponseHead(head: Buffer, headRequest: boolean)");
  }
  ResponseHead head;
  HeadResult r = ParseResponseHead(data, len, headRequest, &head);
  if (r == HeadResult::kIncomplete) return Str(env, "incomplete");
  if (r == HeadResult::kOther) return Str(env, "other");
  static const char* const kFraming[] = {"none", "length", "chunked"};
  napi_value obj;
  napi_create_object(env, &obj);
  Set(env, obj, "headLen", Num(env, static_cast<double>(head.headLen)));
  Set(env, obj, "status", Num(env, head.status));
  Set(env, obj, "reason", Str(env, data, head.reason));
  Set(env, obj, "framing", Str(env, kFraming[static_cast<int>(head.framing)]));
  Set(env, obj, "length", Num(env, static_cast<double>(head.length)));
  Set(env, obj, "reusable", Bool(env, head.reusable));
  Set(env, obj, "keepAliveMs", Num(env, static_cast<double>(head.keepAliveMs)));
  Set(env, obj, "fields", FieldList(env, data, head.fields));
  return obj;
}

napi_value TestDechunk(napi_env env, napi_callback_info info) {
  Args<1> args(env, info);
  napi_value pieces = args.v[0];
  uint32_t count = 0;
  if (args.count < 1 || !ArrayLength(env, pieces, &count)) return ThrowType(env, "dechunk(pieces: Buffer[])");
  ChunkedDecoder decoder;
  ChunkedDecoder::Status status = ChunkedDecoder::Status::kNeedMore;
  std::string body;
  size_t consumed = 0;
  for (uint32_t i = 0; i < count && status == ChunkedDecoder::Status::kNeedMore; i++) {
    napi_value piece;
    const char* data = nullptr;
    size_t len = 0;
    if (napi_get_element(env, pieces, i, &piece) != napi_ok || !BufferArg(env, piece, &data, &len)) {
      return ThrowType(env, "dechunk(pieces: Buffer[])");
    }
    status = decoder.Feed(data, len, &consumed, &body);
  }
  const char* name = status == ChunkedDecoder::Status::kDone    ? "done"
                     : status == ChunkedDecoder::Status::kError ? "error"
                                                                : "more";
  napi_value obj;
  napi_create_object(env, &obj);
  Set(env, obj, "status", Str(env, name));
  Set(env, obj, "body", NewBuffer(env, body));
  Set(env, obj, "consumed", Num(env, static_cast<double>(consumed)));
  return obj;
}

napi_value TestEchoScan(napi_env env, napi_callback_info info) {
  constexpr const char* kCode = "ERR_NANOCLAW_LANE";
  Args<2> args(env, info);
  napi_value* argv = args.v;
  uint32_t form_count = 0, piece_count = 0;
  if (args.count < 2 || !ArrayLength(env, argv[0], &form_count) || !ArrayLength(env, argv[1], &piece_count)) {
    return ThrowType(env, "echoScan(forms: Buffer[], pieces: Buffer[])", kCode);
  }
  std::vector<std::string> forms;
  for (uint32_t i = 0; i < form_count; i++) {
    napi_value v;
    const char* data = nullptr;
    size_t len = 0;
    if (napi_get_element(env, argv[0], i, &v) != napi_ok || !BufferArg(env, v, &data, &len)) {
      return ThrowType(env, "echoScan: forms must be Buffers", kCode);
    }
    // echoForms() never yields an empty form; one would match everywhere and make no progress,
    // in the JavaScript scanner as in this one, which takes none (as the lane's parse skips them).
    if (len > 0) forms.emplace_back(data, len);
  }
  std::vector<bool> search = EchoScanner::SearchFlags(forms);
  EchoScanner scanner(&forms, &search);
  napi_value outs;
  napi_create_array_with_length(env, piece_count + 1, &outs);
  std::string out;
  for (uint32_t i = 0; i <= piece_count; i++) {
    out.clear();
    if (i < piece_count) {
      napi_value v;
      const char* data = nullptr;
      size_t len = 0;
      if (napi_get_element(env, argv[1], i, &v) != napi_ok || !BufferArg(env, v, &data, &len)) {
        return ThrowType(env, "echoScan: pieces must be Buffers", kCode);
      }
      scanner.Feed(data, len, &out);
    } else {
      scanner.End(&out);
    }
    napi_value b = NewBuffer(env, out);
    if (!b) return nullptr;
    napi_set_element(env, outs, i, b);
  }
  napi_value result;
  napi_create_object(env, &result);
  Set(env, result, "out", outs);
  Set(env, result, "redacted", Bool(env, scanner.redacted()));
  return result;
}

}  // namespace lane
}  // namespace nanoclaw
