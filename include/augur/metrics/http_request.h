#pragma once
// The little HTTP/1.0 and 1.1 the metrics server speaks: a request head is judged as a
// whole, and every answer closes the connection. Only GET /metrics (any query) is served.
#include <cstddef>
#include <string>
#include <string_view>

namespace augur::metrics {

struct HttpVerdict {
  int status = 400;
  std::string_view reason = "Bad Request";
  bool serve_metrics = false;  // 200: the body is the exposition
};

// Where the head ends (the index just past the blank line, CRLF or bare LF), or npos while
// it is incomplete.
[[nodiscard]] std::size_t find_head_end(std::string_view received);

// The answer to a complete request head.
[[nodiscard]] HttpVerdict judge_request(std::string_view head);

// A whole response: status line, Content-Type, Content-Length, Connection: close (and
// Allow: GET for 405), then the body.
[[nodiscard]] std::string render_response(int status, std::string_view reason,
                                          std::string_view content_type, std::string_view body);

}  // namespace augur::metrics
