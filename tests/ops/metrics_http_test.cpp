// The HTTP pieces without sockets: request heads judged, responses rendered, addresses
// parsed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "augur/metrics/http_request.h"
#include "augur/metrics/listen_address.h"

namespace augur::metrics {
namespace {

TEST(HttpRequest, FindsTheEndOfTheHead) {
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: x\r\n"), std::string_view::npos);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n\r\n"), 18u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.0\n\n"), 16u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n\r\nGET"), 18u);
}

TEST(HttpRequest, JudgesRequests) {
  struct Case {
    const char* head;
    int status;
  };
  const Case cases[] = {
      {"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 200},
      {"GET /metrics HTTP/1.0\r\n\r\n", 200},
      {"GET /metrics?name[]=x HTTP/1.1\r\n\r\n", 200},
      {"GET /metrics HTTP/1.1\nHost: a\n\n", 200},
      {"GET / HTTP/1.1\r\n\r\n", 404},
      {"GET /metrics/ HTTP/1.1\r\n\r\n", 404},
      {"GET /metricsx HTTP/1.1\r\n\r\n", 404},
      {"GET /Metrics HTTP/1.1\r\n\r\n", 404},
      {"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405},
      {"HEAD /metrics HTTP/1.1\r\n\r\n", 405},
      {"get /metrics HTTP/1.1\r\n\r\n", 405},  // methods are case-sensitive
      {"GET /metrics HTTP/2.0\r\n\r\n", 505},
      {"GET /metrics HTTP/0.9\r\n\r\n", 505},
      {"GET /metrics\r\n\r\n", 400},
      {"GET  /metrics HTTP/1.1\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1 extra\r\n\r\n", 400},
      {"GET metrics HTTP/1.1\r\n\r\n", 400},
      {"GET http://h/metrics HTTP/1.1\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n", 400},
      {"GET /met\x01rics HTTP/1.1\r\n\r\n", 400},
      {"G(T /metrics HTTP/1.1\r\n\r\n", 400},
      {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n", 400},  // a TLS hello
      {"\r\n\r\n", 400},
      {"GET /metrics HTTP/1.x\r\n\r\n", 400},
  };
  for (const Case& c : cases) {
    const HttpVerdict v = judge_request(c.head);
    EXPECT_EQ(v.status, c.status) << c.head;
    EXPECT_EQ(v.serve_metrics, c.status == 200) << c.head;
  }
}

TEST(HttpRequest, RendersAClosingResponse) {
  EXPECT_EQ(render_response(200, "OK", "text/plain", "body"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
            "Connection: close\r\n\r\nbody");
  EXPECT_NE(render_response(405, "Method Not Allowed", "text/plain", "").find("\r\nAllow: GET\r\n"),
            std::string::npos);
}

std::string family_and_address(const ListenAddress& a) {
  return (a.storage.ss_family == AF_INET6 ? "v6 " : "v4 ") + format_address(a);
}

TEST(ListenAddress, ParsesIpv4Ipv6AndNames) {
  auto v4 = parse_listen_address("127.0.0.1:9464");
  ASSERT_TRUE(v4) << v4.error().message();
  EXPECT_EQ(family_and_address(*v4), "v4 127.0.0.1:9464");
  auto v6 = parse_listen_address("[::1]:9464");
  ASSERT_TRUE(v6) << v6.error().message();
  EXPECT_EQ(family_and_address(*v6), "v6 [::1]:9464");
  auto any6 = parse_listen_address("[::]:0");
  ASSERT_TRUE(any6);
  EXPECT_EQ(family_and_address(*any6), "v6 [::]:0");
  auto any4 = parse_listen_address("0.0.0.0:65535");
  ASSERT_TRUE(any4);
  EXPECT_EQ(format_address(*any4), "0.0.0.0:65535");
  auto name = parse_listen_address("localhost:9464");
  ASSERT_TRUE(name) << name.error().message();
  EXPECT_EQ(name->storage.ss_family == AF_INET ? format_address(*name).rfind("127.", 0)
                                               : format_address(*name).rfind("[::1]", 0),
            0u)
      << format_address(*name);
}

TEST(ListenAddress, RejectsMalformedAddresses) {
  for (const char* bad :
       {"", "9464", ":9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:94a4", "127.0.0.1:123456", "::1:9464", "[::1]", "[::1]9464", "[::1:9464",
        "[127.0.0.1]:9464", "[]:9464", "999.1.1.1:80", "1.2.3:80"}) {
    auto parsed = parse_listen_address(bad);
    EXPECT_FALSE(parsed) << bad;
    if (!parsed) {
      EXPECT_FALSE(parsed.error().message().empty());
    }
  }
}

}  // namespace
}  // namespace augur::metrics
