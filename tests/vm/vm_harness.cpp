#include "vm_harness.h"

#include <fcntl.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace augur::testing::vm {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kLibvirtd = "/usr/sbin/libvirtd";
constexpr const char* kVirtlogd = "/usr/sbin/virtlogd";
constexpr const char* kQemu = "/usr/bin/qemu-system-x86_64";
constexpr const char* kBusybox = "/bin/busybox";
constexpr const char* kQemuRunDir = "/run/libvirt/qemu";
constexpr unsigned long long kDiskBytes = 64ULL << 20;
constexpr int kMemoryMib = 256;

bool alive(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) == 0;
}

std::string exe_of(pid_t pid) {
  std::error_code ec;
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// The pid file of a process this harness started in an earlier run that was killed before
// its teardown (a ctest timeout): such processes are stopped by their recorded pids.
std::string leftover_file(const std::string& cache) {
  return cache + "/running.pids";
}

void stop_leftovers(const std::string& cache) {
  std::istringstream in(read_file(leftover_file(cache)));
  for (pid_t pid = 0; in >> pid;) {
    const std::string exe = exe_of(pid);
    if (exe == kLibvirtd || exe == kVirtlogd || exe == kQemu) {
      std::fprintf(stderr, "[ vm ] stopping leftover %s (pid %d) of an earlier run\n", exe.c_str(),
                   pid);
      ::kill(pid, SIGKILL);
    }
  }
  ::unlink(leftover_file(cache).c_str());
}

std::string domain_xml(const std::string& work, const std::string& cache, const GuestPhases& ph,
                       const std::string& app_type) {
  std::ostringstream x;
  x << "<domain type='qemu'>\n"
    << "  <name>" << Hypervisor::kDomain << "</name>\n"
    << "  <metadata>\n"
    << "    <augur:workload xmlns:augur='https://augur.dev/xmlns/workload/1' type='" << app_type
    << "'/>\n"
    << "  </metadata>\n"
    << "  <memory unit='MiB'>" << kMemoryMib << "</memory>\n"
    << "  <currentMemory unit='MiB'>" << (ph.boot_memory_mib > 0 ? ph.boot_memory_mib : kMemoryMib)
    << "</currentMemory>\n"
    << "  <vcpu placement='static'>2</vcpu>\n"
    << "  <os>\n"
    << "    <type arch='x86_64' machine='pc'>hvm</type>\n"
    << "    <kernel>" << cache << "/vmlinuz</kernel>\n"
    << "    <initrd>" << cache << "/initramfs.cpio.gz</initrd>\n"
    << "    <cmdline>console=ttyS0 quiet WARMUP_S=" << ph.warmup_s << " RAMP_S=" << ph.ramp_s
    << " PHASE_S=" << ph.phase_s << " IDLE_S=" << ph.idle_s
    << " BALLOON=" << (ph.boot_memory_mib > 0 ? 1 : 0) << "</cmdline>\n"
    << "  </os>\n"
    << "  <features><acpi/></features>\n"
    << "  <on_poweroff>destroy</on_poweroff>\n"
    << "  <on_reboot>destroy</on_reboot>\n"
    << "  <on_crash>destroy</on_crash>\n"
    << "  <devices>\n"
    << "    <emulator>" << kQemu << "</emulator>\n"
    << "    <disk type='file' device='disk'>\n"
    << "      <driver name='qemu' type='raw' cache='none'/>\n"
    << "      <source file='" << work << "/disk.img'/>\n"
    << "      <target dev='vda' bus='virtio'/>\n"
    << "    </disk>\n"
    << "    <serial type='file'>\n"
    << "      <source path='" << work << "/console.log'/>\n"
    << "      <target port='0'/>\n"
    << "    </serial>\n"
    << "    <memballoon model='virtio'>\n"
    << "      <stats period='1'/>\n"
    << "    </memballoon>\n"
    << "  </devices>\n"
    << "</domain>\n";
  return x.str();
}

}  // namespace

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string skip_reason() {
  if (::geteuid() != 0) return "needs root (qemu:///system, cgroups)";
  for (const char* bin : {kLibvirtd, kVirtlogd, kQemu, kBusybox, "/usr/bin/apt-get"}) {
    if (::access(bin, X_OK) != 0) {
      return std::string(bin) + " missing (install .ci/packages.txt: bash .ci/install-deps)";
    }
  }
  return "";
}

std::string libvirt_error() {
  const virError* e = virGetLastError();
  return e != nullptr && e->message != nullptr ? e->message : "unknown libvirt error";
}

std::vector<std::string> LineTail::poll() {
  std::vector<std::string> out;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return out;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size <= offset_) return out;
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk(size - offset_, '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  offset_ = size;
  partial_ += chunk;
  std::size_t from = 0;
  for (std::size_t nl; (nl = partial_.find('\n', from)) != std::string::npos; from = nl + 1) {
    out.push_back(trim(partial_.substr(from, nl - from)));
  }
  partial_.erase(0, from);
  return out;
}

Hypervisor::Hypervisor(std::string cache_dir, GuestPhases phases, Clock::time_point start)
    : cache_(std::move(cache_dir)), phases_(phases), start_(start) {
  fs::create_directories(cache_);
  stop_leftovers(cache_);
  char tmpl[] = "/tmp/augur-vm-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  work_ = tmpl;
  ::chmod(work_.c_str(), 0755);  // QEMU runs as libvirt-qemu: it must reach the disk image
  console_ = work_ + "/console.log";
}

Hypervisor::~Hypervisor() {
  for (const std::string& s : teardown()) std::fprintf(stderr, "[ vm ] teardown: %s\n", s.c_str());
  std::error_code ec;
  fs::remove_all(work_, ec);
}

std::vector<pid_t> Hypervisor::own_pids() const {
  std::vector<pid_t> out;
  if (libvirtd_) out.push_back(libvirtd_->pid());
  if (virtlogd_) out.push_back(virtlogd_->pid());
  if (qemu_pid_ > 0) out.push_back(qemu_pid_);
  return out;
}

std::string Hypervisor::build_guest() {
  const auto t0 = Clock::now();
  const std::string src = std::string(AUGUR_SOURCE_DIR) + "/tests/vm/";
  const int rc = run_to_exit({"/bin/bash", src + "build-guest.sh", cache_, src + "guest-init.sh"},
                             work_ + "/build-guest.out", work_ + "/build-guest.err");
  timings_.guest_build_s = since(t0);
  if (rc != 0) {
    return "build-guest.sh exited " + std::to_string(rc) + ": " +
           read_file(work_ + "/build-guest.err");
  }
  // A sparse raw disk for the disk phase.
  const int fd = ::open((work_ + "/disk.img").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(kDiskBytes)) != 0) return "disk.img";
  ::close(fd);
  return "";
}

std::string Hypervisor::start_daemons() {
  for (const char* name : {"libvirtd", "virtlogd"}) {
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string pid = e.path().filename();
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      if (fs::path(exe_of(std::stoi(pid))).filename() == name) {
        return std::string(name) + " already runs (pid " + pid +
               "): this test starts and stops its own, stop that one first";
      }
    }
  }
  const auto t0 = Clock::now();
  ::mkdir("/run/libvirt", 0755);
  virtlogd_ = std::make_unique<Child>(
      std::vector<std::string>{kVirtlogd, "--pid-file", work_ + "/virtlogd.pid"},
      std::vector<std::string>{}, work_ + "/virtlogd.out", work_ + "/virtlogd.err");
  libvirtd_ = std::make_unique<Child>(
      std::vector<std::string>{kLibvirtd, "--pid-file", work_ + "/libvirtd.pid"},
      std::vector<std::string>{}, work_ + "/libvirtd.out", work_ + "/libvirtd.err");
  write_file(leftover_file(cache_),
             std::to_string(virtlogd_->pid()) + "\n" + std::to_string(libvirtd_->pid()) + "\n");
  virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});  // errors are read, not printed
  while (since(t0) < 30) {
    if (!libvirtd_->running()) {
      return "libvirtd exited: " + read_file(work_ + "/libvirtd.err");
    }
    conn_ = virConnectOpen(kUri);
    if (conn_ != nullptr) break;
    std::this_thread::sleep_for(100ms);
  }
  timings_.daemons_ready_s = since(t0);
  if (conn_ == nullptr) return "libvirtd did not answer on " + std::string(kUri) + " in 30 s";
  return "";
}

std::string Hypervisor::boot(const std::string& app_type) {
  if (virDomainPtr old = virDomainLookupByName(conn_, kDomain)) {  // an earlier run's
    virDomainDestroy(old);
    virDomainUndefine(old);
    virDomainFree(old);
  }
  auto t0 = Clock::now();
  const std::string xml = domain_xml(work_, cache_, phases_, app_type);
  write_file(work_ + "/domain.xml", xml);
  dom_ = virDomainDefineXML(conn_, xml.c_str());
  if (dom_ == nullptr) return "virDomainDefineXML: " + libvirt_error();
  timings_.define_s = since(t0);
  t0 = Clock::now();
  if (virDomainCreate(dom_) != 0) return "virDomainCreate: " + libvirt_error();
  timings_.domain_start_s = since(t0);
  const std::string pid_text =
      read_file(std::string(kQemuRunDir) + "/" + std::string(kDomain) + ".pid");
  qemu_pid_ = pid_text.empty() ? -1 : std::stoi(pid_text);
  write_file(leftover_file(cache_), std::to_string(virtlogd_->pid()) + "\n" +
                                        std::to_string(libvirtd_->pid()) + "\n" +
                                        std::to_string(qemu_pid_) + "\n");
  LineTail console(console_);
  while (since(t0) < 60) {
    for (const std::string& line : console.poll()) {
      if (line.find("AUGUR-E2E: guest up") != std::string::npos) {
        timings_.boot_to_init_s = since(t0);
        return "";
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  return "the guest printed no 'AUGUR-E2E: guest up' in 60 s; console:\n" + read_file(console_);
}

std::vector<std::string> Hypervisor::teardown() {
  std::vector<std::string> notes;
  if (dom_ != nullptr) {
    if (virDomainIsActive(dom_) == 1 && virDomainDestroy(dom_) != 0) {
      notes.push_back("virDomainDestroy: " + libvirt_error());
    }
    if (virDomainUndefine(dom_) != 0) notes.push_back("virDomainUndefine: " + libvirt_error());
    virDomainFree(dom_);
    dom_ = nullptr;
  }
  if (conn_ != nullptr) {
    virConnectClose(conn_);
    conn_ = nullptr;
  }
  for (std::unique_ptr<Child>* c : {&libvirtd_, &virtlogd_}) {
    if (!*c) continue;
    (*c)->signal(SIGTERM);
    if (!(*c)->wait_exit(15s)) {
      notes.push_back("pid " + std::to_string((*c)->pid()) + " ignored SIGTERM: killed");
      (*c)->signal(SIGKILL);
      (*c)->wait_exit(5s);
    }
    c->reset();
  }
  if (qemu_pid_ > 0) {
    for (int i = 0; i < 50 && alive(qemu_pid_) && exe_of(qemu_pid_) == kQemu; ++i) {
      std::this_thread::sleep_for(100ms);
    }
    if (alive(qemu_pid_) && exe_of(qemu_pid_) == kQemu) {
      notes.push_back("QEMU pid " + std::to_string(qemu_pid_) + " outlived its domain: killed");
      ::kill(qemu_pid_, SIGKILL);
    }
    qemu_pid_ = -1;
  }
  ::unlink(leftover_file(cache_).c_str());
  return notes;
}

// --- reading what is in force -------------------------------------------------------------

std::string cgroup_dir_of(pid_t pid, pid_t tid, const std::string& controller) {
  // /proc/<pid>/task/<tid>/cgroup: "hierarchy-id:controller,controller:path" ("0::path" for
  // cgroup2).
  std::string rel;
  bool found = false;
  std::istringstream cg(
      read_file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/cgroup"));
  for (std::string line; std::getline(cg, line);) {
    const auto a = line.find(':');
    const auto b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string ctrls = line.substr(a + 1, b - a - 1);
    std::istringstream names(ctrls);
    bool match = controller.empty() && ctrls.empty();
    for (std::string n; !controller.empty() && std::getline(names, n, ',');)
      match |= n == controller;
    if (match) {
      rel = line.substr(b + 1);
      found = true;
      break;
    }
  }
  if (!found) return "";
  // /proc/self/mountinfo: "... mountpoint ... - fstype source superoptions".
  std::istringstream mi(read_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(mi, line);) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream pre(line.substr(0, dash));
    std::string f1, f2, f3, root, mount;
    pre >> f1 >> f2 >> f3 >> root >> mount;
    std::istringstream post(line.substr(dash + 3));
    std::string fstype, source, opts;
    post >> fstype >> source >> opts;
    if (controller.empty()) {
      if (fstype == "cgroup2") return mount + rel;
      continue;
    }
    if (fstype != "cgroup") continue;
    std::istringstream o(opts);
    for (std::string n; std::getline(o, n, ',');) {
      if (n == controller) return mount + rel;
    }
  }
  return "";
}

std::vector<pid_t> vcpu_threads_from_comm(pid_t pid) {
  std::vector<std::pair<int, pid_t>> found;
  const std::regex re("^CPU ([0-9]+)/(TCG|KVM)$");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const std::string comm = trim(read_file(e.path().string() + "/comm"));
    std::smatch m;
    if (std::regex_match(comm, m, re)) {
      found.emplace_back(std::stoi(m[1]), std::stoi(e.path().filename().string()));
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<pid_t> out;
  for (const auto& [index, tid] : found) out.push_back(tid);
  return out;
}

long long vcpu_quota(virDomainPtr dom) {
  virTypedParameter params[16];
  int n = 16;
  if (virDomainGetSchedulerParametersFlags(dom, params, &n, VIR_DOMAIN_AFFECT_LIVE) != 0) return -1;
  long long out = -1;
  for (int i = 0; i < n; ++i) {
    if (std::strcmp(params[i].field, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA) == 0) out = params[i].value.l;
  }
  return out;
}

unsigned long long balloon_kib(virDomainPtr dom) {
  virDomainInfo info{};
  return virDomainGetInfo(dom, &info) == 0 ? info.memory : 0;
}

unsigned long long disk_total_bytes_sec(virDomainPtr dom) {
  int n = 0;  // the count first: the remote protocol refuses more than it holds
  if (virDomainGetBlockIoTune(dom, "vda", nullptr, &n, VIR_DOMAIN_AFFECT_LIVE) != 0) return 0;
  std::vector<virTypedParameter> params(static_cast<std::size_t>(n));
  if (virDomainGetBlockIoTune(dom, "vda", params.data(), &n, VIR_DOMAIN_AFFECT_LIVE) != 0) {
    return 0;
  }
  unsigned long long out = 0;
  for (int i = 0; i < n; ++i) {
    if (std::strcmp(params[i].field, VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC) == 0) {
      out = params[i].value.ul;
    }
  }
  virTypedParamsClear(params.data(), n);
  return out;
}

std::string blkio_device_list(virDomainPtr dom, const char* field) {
  const unsigned flags = VIR_TYPED_PARAM_STRING_OKAY;
  int n = 0;
  if (virDomainGetBlkioParameters(dom, nullptr, &n, flags) != 0) return "";
  std::vector<virTypedParameter> params(static_cast<std::size_t>(n));
  if (virDomainGetBlkioParameters(dom, params.data(), &n, flags) != 0) return "";
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (std::strcmp(params[i].field, field) == 0 && params[i].type == VIR_TYPED_PARAM_STRING &&
        params[i].value.s != nullptr) {
      out = params[i].value.s;
    }
  }
  virTypedParamsClear(params.data(), n);
  return out;
}

std::string whole_disk_of_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  const std::string dev =
      std::to_string(::major(st.st_dev)) + ":" + std::to_string(::minor(st.st_dev));
  const std::string sys = "/sys/dev/block/" + dev;
  if (::access((sys + "/partition").c_str(), F_OK) != 0) return dev;
  std::string whole = read_file(sys + "/../dev");
  while (!whole.empty() && whole.back() == '\n') whole.pop_back();
  return whole;
}

std::vector<std::pair<int, unsigned long long>> memory_stats(virDomainPtr dom) {
  virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
  const int n = virDomainMemoryStats(dom, stats, VIR_DOMAIN_MEMORY_STAT_NR, 0);
  std::vector<std::pair<int, unsigned long long>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(stats[i].tag, stats[i].val);
  return out;
}

bool set_vcpu_quota(virDomainPtr dom, long long usec, unsigned long long period_usec) {
  virTypedParameterPtr params = nullptr;
  int n = 0, max = 0;
  bool ok = virTypedParamsAddULLong(&params, &n, &max, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD,
                                    period_usec) == 0 &&
            virTypedParamsAddLLong(&params, &n, &max, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA, usec) == 0;
  ok = ok && virDomainSetSchedulerParametersFlags(dom, params, n, VIR_DOMAIN_AFFECT_LIVE) == 0;
  virTypedParamsFree(params, n);
  return ok;
}

bool set_disk_total_bytes_sec(virDomainPtr dom, unsigned long long bytes) {
  virTypedParameterPtr params = nullptr;
  int n = 0, max = 0;
  bool ok = virTypedParamsAddULLong(&params, &n, &max, VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC,
                                    bytes) == 0;
  ok = ok && virDomainSetBlockIoTune(dom, "vda", params, n, VIR_DOMAIN_AFFECT_LIVE) == 0;
  virTypedParamsFree(params, n);
  return ok;
}

}  // namespace augur::testing::vm
