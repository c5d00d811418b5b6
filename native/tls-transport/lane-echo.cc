// See lane-echo.h. (Stub: replaced by the implementation.)
#include "lane-echo.h"

#include "lane-testing.h"

namespace nanoclaw {
namespace lane {

EchoScanner::EchoScanner(std::vector<std::string> forms) : forms_(std::move(forms)) {}
EchoScanner::~EchoScanner() {}
void EchoScanner::Feed(const char* data, size_t len, std::string* out) { out->append(data, len); }
void EchoScanner::End(std::string*) {}

napi_value TestEchoScan(napi_env env, napi_callback_info) { return nullptr; }

}  // namespace lane
}  // namespace nanoclaw
