#include "augur/metrics/http_request.h"

#include <algorithm>
#include <cstring>

namespace augur::metrics {

namespace {

// RFC 9110 token characters (methods and header names).
bool token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), token_char);
}

// Splits off one line (without its CRLF or LF).
std::string_view next_line(std::string_view& rest) {
  const auto lf = rest.find('\n');
  std::string_view line = rest.substr(0, lf);
  rest = lf == std::string_view::npos ? std::string_view{} : rest.substr(lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

constexpr HttpVerdict kBadRequest{400, "Bad Request", false};

}  // namespace

std::size_t find_head_end(std::string_view received) {
  const auto crlf = received.find("\r\n\r\n");
  const auto lf = received.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return std::string_view::npos;
  if (lf == std::string_view::npos || (crlf != std::string_view::npos && crlf < lf)) {
    return crlf + 4;
  }
  return lf + 2;
}

HttpVerdict judge_request(std::string_view head) {
  // Control characters other than tab, CR and LF have no place in a head.
  for (char c : head) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7F) return kBadRequest;
  }
  std::string_view rest = head;
  const std::string_view request_line = next_line(rest);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return kBadRequest;
  }
  const std::string_view method = request_line.substr(0, sp1);
  const std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = request_line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || target.front() != '/') return kBadRequest;
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return kBadRequest;
  }
  if (version != "HTTP/1.0" && version != "HTTP/1.1") {
    return {505, "HTTP Version Not Supported", false};
  }
  for (;;) {
    const std::string_view line = next_line(rest);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return kBadRequest;
  }
  if (method != "GET") return {405, "Method Not Allowed", false};
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") return {404, "Not Found", false};
  return {200, "OK", true};
}

std::string render_response(int status, std::string_view reason, std::string_view content_type,
                            std::string_view body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out += reason;
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (status == 405) out += "Allow: GET\r\n";
  out += "Connection: close\r\n\r\n";
  out += body;
  return out;
}

}  // namespace augur::metrics
