#include "augur/actuate/host_block_device.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "augur/actuate/kernel_file.h"

namespace augur::actuate {
namespace {

std::string sys_dir(std::string_view sys_root, units::DeviceNumber dev) {
  return std::string(sys_root) + "/dev/block/" + units::format_device_number(dev);
}

// "DEVNAME=vda" from a uevent file.
Result<std::string> device_name(const std::string& uevent_path) {
  auto text = read_kernel_file(uevent_path);
  if (!text) return std::move(text).error();
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("DEVNAME=", 0) != 0) continue;
    std::string name = line.substr(8);
    // A kernel name, possibly with a directory ("mapper/x" is not: dm uses "dm-0").
    if (name.empty() || name.find("..") != std::string::npos || name.front() == '/') break;
    return name;
  }
  return Error{"no DEVNAME", uevent_path, ENODEV};
}

}  // namespace

Result<HostBlockDevice> whole_disk_of(units::DeviceNumber dev, std::string_view sys_root) {
  std::string dir = sys_dir(sys_root, dev);
  if (!path_exists(dir)) {
    return Error{"no such block device in sysfs", dir, ENODEV};
  }
  if (path_exists(dir + "/partition")) {
    // The partition's directory sits in its disk's; ".." resolves through the symlink.
    const std::string parent_dev = dir + "/../dev";
    auto text = read_kernel_file(parent_dev);
    if (!text) return std::move(text).error();
    std::string trimmed = *text;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) {
      trimmed.pop_back();
    }
    auto whole = units::parse_device_number(trimmed);
    if (!whole) return Error{whole.error().what, parent_dev, EIO};
    dev = *whole;
    dir = sys_dir(sys_root, dev);
  }
  auto name = device_name(dir + "/uevent");
  if (!name) return std::move(name).error();
  return HostBlockDevice{dev, "/dev/" + *name};
}

Result<HostBlockDevice> host_block_device(const std::string& source, std::string_view sys_root) {
  if (source.empty() || source.front() != '/') {
    return Error{"not a local path", source.empty() ? "(no source)" : source, ENODEV};
  }
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) {
    const int e = errno;
    return Error{std::string("stat: ") + std::strerror(e), source, e};
  }
  const dev_t raw = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
  const units::DeviceNumber dev{::major(raw), ::minor(raw)};
  if (dev.major == 0) {
    return Error{"on no block device (device " + units::format_device_number(dev) + ")", source,
                 ENODEV};
  }
  return whole_disk_of(dev, sys_root);
}

}  // namespace augur::actuate
