// See lane-request.h. (Stub: replaced by the implementation.)
#include "lane-request.h"

#include "lane-testing.h"

namespace nanoclaw {
namespace lane {

HeadResult ParseRequestHead(const char*, size_t, size_t, RequestHead*) { return HeadResult::kOther; }

napi_value TestParseRequestHead(napi_env env, napi_callback_info) { return nullptr; }

}  // namespace lane
}  // namespace nanoclaw
