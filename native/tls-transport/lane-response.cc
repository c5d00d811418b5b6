// See lane-response.h. (Stub: replaced by the implementation.)
#include "lane-response.h"

#include "lane-testing.h"

namespace nanoclaw {
namespace lane {

HeadResult ParseResponseHead(const char*, size_t, bool, ResponseHead*) { return HeadResult::kOther; }

ChunkedDecoder::Status ChunkedDecoder::Feed(const char*, size_t, size_t* consumed, std::string*) {
  *consumed = 0;
  return Status::kError;
}

napi_value TestParseResponseHead(napi_env env, napi_callback_info) { return nullptr; }
napi_value TestDechunk(napi_env env, napi_callback_info) { return nullptr; }

}  // namespace lane
}  // namespace nanoclaw
