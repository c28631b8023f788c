#include "augur/config/compiler.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <new>
#include <optional>

#include "context.h"
#include "map_reader.h"
#include "sections.h"
#include "yaml_document.h"

namespace augur::config {
namespace {

using std::string_view_literals::operator""sv;

constexpr std::array kTopKeys = {"daemon"sv,      "log"sv,     "discovery"sv, "sampling"sv,
                                 "fingerprint"sv, "drift"sv,   "predict"sv,   "plan"sv,
                                 "store"sv,       "control"sv, "metrics"sv};

// A real config is a few KiB; refusing huge files bounds memory and time on reload.
constexpr off_t kMaxFileBytes = 4 * 1024 * 1024;

CompileResult compile_unguarded(std::string_view yaml_text, const std::string& file_name) {
  detail::Context ctx(file_name);
  std::optional<YAML::Node> root = detail::parse_document(ctx, yaml_text);
  if (!root) return ctx.take();

  Config config;
  config.source_file = file_name;
  detail::MapReader top(ctx, *root, "", kTopKeys);
  detail::read_daemon(top, config.daemon);
  detail::read_log(top, config.log);
  detail::read_discovery(top, ctx, config.discovery);
  detail::read_sampling(top, config.sampling);
  detail::read_fingerprint(top, config.fingerprint);
  detail::read_drift(top, config.drift);
  detail::read_predict(top, config.predict);
  detail::read_plan(top, config.plan);
  detail::read_store(top, config.store);
  detail::read_control(top, config.control);
  detail::read_metrics(top, ctx, config.metrics);
  detail::check_cross_fields(ctx, config);
  if (!ctx.ok()) return ctx.take();
  return config;
}

std::vector<Diagnostic> whole_file(const std::string& file, std::string message) {
  return {Diagnostic{file, 0, 0, std::move(message)}};
}

}  // namespace

CompileResult compile_config(std::string_view yaml_text, const std::string& file_name) {
  try {
    return compile_unguarded(yaml_text, file_name);
  } catch (const std::bad_alloc&) {
    return whole_file(file_name, "out of memory while compiling the config");
  } catch (const std::exception& e) {
    // Every expected problem is a diagnostic; reaching here is a compiler bug.
    return whole_file(file_name, std::string("internal error: ") + e.what());
  } catch (...) {
    return whole_file(file_name, "internal error: unknown exception");
  }
}

CompileResult load_config_file(const std::string& path) {
  std::string text;
  try {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return whole_file(path, std::string("cannot read: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > kMaxFileBytes) {
      ::close(fd);
      return whole_file(path, "cannot read: file is " + std::to_string(st.st_size) +
                                  " bytes, more than the 4 MiB a config may have");
    }
    std::array<char, 65536> buffer{};
    while (true) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int saved = errno;
        ::close(fd);
        return whole_file(path, std::string("cannot read: ") + std::strerror(saved));
      }
      if (n == 0) break;
      text.append(buffer.data(), static_cast<std::size_t>(n));
      if (text.size() > static_cast<std::size_t>(kMaxFileBytes)) {
        ::close(fd);
        return whole_file(path, "cannot read: more than the 4 MiB a config may have");
      }
    }
    ::close(fd);
  } catch (const std::bad_alloc&) {
    return whole_file(path, "out of memory while reading the config");
  }
  return compile_config(text, path);
}

}  // namespace augur::config
