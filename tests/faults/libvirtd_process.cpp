#include "libvirtd_process.h"

#include <libvirt/virterror.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <thread>
#include <vector>

namespace augur::testing::faults {

using namespace std::chrono_literals;

namespace {
constexpr const char* kLibvirtd = "/usr/sbin/libvirtd";
constexpr const char* kVirtAdmin = "/usr/bin/virt-admin";
}  // namespace

std::string libvirtd_skip_reason() {
  if (::geteuid() != 0) return "needs root to run libvirtd";
  for (const char* bin : {kLibvirtd, kVirtAdmin}) {
    if (::access(bin, X_OK) != 0) {
      return std::string(bin) + " missing (install .ci/packages.txt: bash .ci/install-deps)";
    }
  }
  return "";
}

std::string last_libvirt_error() {
  const virError* e = virGetLastError();
  return e != nullptr && e->message != nullptr ? e->message : "unknown libvirt error";
}

LibvirtdProcess::LibvirtdProcess() {
  ::mkdir(dir_.file("sock").c_str(), 0755);
  write_file(dir_.file("libvirtd.conf"), "unix_sock_dir = \"" + dir_.file("sock") +
                                             "\"\n"
                                             "listen_tls = 0\nlisten_tcp = 0\n"
                                             "auth_unix_rw = \"none\"\nauth_unix_ro = \"none\"\n"
                                             "keepalive_interval = 1\nkeepalive_count = 2\n");
  virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});  // errors are read, not printed
  // libvirt's client writes to its socket with write(): once libvirtd or keepalive has closed
  // the connection, that is SIGPIPE, which libvirt asks its clients to ignore (augurd does).
  ::signal(SIGPIPE, SIG_IGN);
}

LibvirtdProcess::~LibvirtdProcess() {
  if (!child_) return;
  thaw();
  child_->signal(SIGTERM);
  if (!child_->wait_exit(10s)) {
    child_->signal(SIGKILL);
    child_->wait_exit(5s);
  }
}

std::string LibvirtdProcess::uri() const {
  return "test+unix:///default?socket=" + dir_.file("sock") + "/libvirt-sock";
}

std::string LibvirtdProcess::admin_uri() const {
  return "libvirtd:///system?socket=" + dir_.file("sock") + "/libvirt-admin-sock";
}

std::string LibvirtdProcess::start() {
  ++runs_;
  const std::string n = std::to_string(runs_);
  child_ = std::make_unique<Child>(
      std::vector<std::string>{kLibvirtd, "--config", dir_.file("libvirtd.conf"), "--pid-file",
                               dir_.file("libvirtd.pid")},
      std::vector<std::string>{}, dir_.file("libvirtd.out" + n), dir_.file("libvirtd.err" + n));
  frozen_ = false;
  for (int i = 0; i < 100; ++i) {
    if (!child_->running()) return "libvirtd exited: " + read_file(dir_.file("libvirtd.err" + n));
    if (virConnectPtr c = virConnectOpen(uri().c_str())) {
      virConnectClose(c);
      return "";
    }
    std::this_thread::sleep_for(100ms);
  }
  return "libvirtd did not answer on " + uri() + " in 10 s: " + last_libvirt_error();
}

void LibvirtdProcess::kill9() {
  if (!child_) return;
  child_->signal(SIGKILL);
  child_->wait_exit(5s);
}

void LibvirtdProcess::freeze() {
  if (child_ && !frozen_) {
    child_->signal(SIGSTOP);
    frozen_ = true;
  }
}

void LibvirtdProcess::thaw() {
  if (child_ && frozen_) {
    child_->signal(SIGCONT);
    frozen_ = false;
  }
}

// Through virt-admin, run as its own program: libvirt-admin and libvirt in one process
// register the same GObject types twice (GLib warnings, then a crash).
int LibvirtdProcess::close_clients_of(pid_t pid, std::string* error) const {
  const auto admin = [&](std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv{kVirtAdmin, "-c", admin_uri()};
    argv.insert(argv.end(), args.begin(), args.end());
    const int rc = run_to_exit(argv, dir_.file("admin.out"), dir_.file("admin.err"));
    *out = read_file(dir_.file("admin.out"));
    if (rc != 0)
      *error = "virt-admin exited " + std::to_string(rc) + ": " + read_file(dir_.file("admin.err"));
    return rc == 0;
  };
  std::string list;
  if (!admin({"client-list", "libvirtd"}, &list)) return -1;
  // " Id   Transport   Connected since" / "---" / " 3    unix        2026-..."
  std::vector<std::string> ids;
  std::istringstream rows(list);
  bool body = false;
  for (std::string line; std::getline(rows, line);) {
    if (line.rfind("---", 0) == 0) {
      body = true;
      continue;
    }
    std::istringstream fields(line);
    std::string id;
    if (body && fields >> id && id.find_first_not_of("0123456789") == std::string::npos) {
      ids.push_back(id);
    }
  }
  int closed = 0;
  for (const std::string& id : ids) {
    std::string info;
    if (!admin({"client-info", "libvirtd", id}, &info)) continue;  // gone meanwhile
    // "unix_process_id  : 1234"
    const auto at = info.find("unix_process_id");
    if (at == std::string::npos) continue;
    const auto colon = info.find(':', at);
    if (colon == std::string::npos || std::stol(info.substr(colon + 1)) != pid) continue;
    std::string ignored;
    if (!admin({"client-disconnect", "libvirtd", id}, &ignored)) return -1;
    ++closed;
  }
  if (closed == 0 && error->empty())
    *error = "no client of pid " + std::to_string(pid) + " in:\n" + list;
  return closed;
}

bool create_test_domain(virConnectPtr conn, const std::string& name) {
  const std::string xml = "<domain type='test'><name>" + name +
                          "</name><memory>131072</memory><vcpu>1</vcpu>"
                          "<os><type>hvm</type></os></domain>";
  virDomainPtr d = virDomainCreateXML(conn, xml.c_str(), 0);
  if (d == nullptr) return false;
  virDomainFree(d);
  return true;
}

}  // namespace augur::testing::faults
