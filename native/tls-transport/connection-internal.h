// Helpers tls-connection.cc (lifecycle) and tls-io.cc (data path) share; not part of the addon's surface.
#pragma once

#include <string>

#include "transport.h"

namespace nanoclaw {

std::string Describe(Connection* c, const char* what);
// Reports the failure once and goes quiet until JavaScript destroys the connection.
void Fail(Connection* c, const std::string& message);
void UpdatePoll(Connection* c);
void MaybeLeaveHeadBio(Connection* c);
bool IsRetry(int err);
// Runs the connection's work on the next loop turn, outside any call from JavaScript.
void Defer(Connection* c);
// Each returns false when the connection failed or was destroyed.
bool FlushQueue(Connection* c);
bool ReadAll(Connection* c);

}  // namespace nanoclaw
