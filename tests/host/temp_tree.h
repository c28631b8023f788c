#pragma once
// A fresh temporary directory for fake kernel trees (oomd's F::makeFile): files are written
// in place (same inode), so a reader that keeps the fd open sees the new content on its next
// pread, as with real cgroup and proc files. Removed with everything under it on destruction.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace augur::testing {

class TempTree {
 public:
  TempTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "augur-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  [[nodiscard]] const std::string& root() const { return root_; }
  [[nodiscard]] std::string path(const std::string& rel) const { return root_ + "/" + rel; }

  // Creates parent directories; truncates and rewrites an existing file in place.
  void make_file(const std::string& rel, const std::string& content) const {
    const auto p = std::filesystem::path(path(rel));
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  void make_dir(const std::string& rel) const { std::filesystem::create_directories(path(rel)); }
  void make_symlink(const std::string& rel, const std::string& target) const {
    const auto p = std::filesystem::path(path(rel));
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }
  void remove(const std::string& rel) const { std::filesystem::remove_all(path(rel)); }
  // Copies a checked-in fixture tree (symlinks kept as links) under `rel`.
  void copy_from(const std::string& source, const std::string& rel = "") const {
    std::filesystem::copy(
        source, path(rel),
        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  }

 private:
  std::string root_;
};

inline std::string fixture(const std::string& rel) {
  return std::string(AUGUR_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

}  // namespace augur::testing
