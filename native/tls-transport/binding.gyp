{
  "targets": [
    {
      "target_name": "tls_transport",
      "sources": ["binding.cc", "tls-connection.cc", "tls-context.cc", "tls-io.cc", "transport-env.cc", "lane-request.cc", "lane-response.cc", "lane-echo.cc", "lane.cc", "lane-forward.cc", "lane-respond.cc", "lane-testing.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-O2", "-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"]
    }
  ]
}
