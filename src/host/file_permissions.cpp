#include "augur/host/file_permissions.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

namespace augur::host {

namespace {

std::string describe(const struct stat& st) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "mode %04o, owner uid %u gid %u",
                static_cast<unsigned>(st.st_mode & 07777), static_cast<unsigned>(st.st_uid),
                static_cast<unsigned>(st.st_gid));
  return buf;
}

}  // namespace

Status check_not_writable_by_others(std::string_view what, const std::string& path,
                                    uid_t daemon_uid, IfMissing if_missing) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT && if_missing == IfMissing::kAllow) return {};
    return Unexpected{
        errno_error("cannot check the permissions of the " + std::string(what), path)};
  }
  const std::string subject = std::string(what) + " " + path;
  if (st.st_uid != 0 && st.st_uid != daemon_uid) {
    return Unexpected{Error{subject + " is owned by uid " + std::to_string(st.st_uid) +
                                ", not root or augurd's uid (" + describe(st) + "): chown root",
                            "", 0}};
  }
  if ((st.st_mode & S_IWOTH) != 0) {
    return Unexpected{
        Error{subject + " is world-writable (" + describe(st) + "): chmod o-w", "", 0}};
  }
  // Group write is as good as owner write for every member: only root's group may have it.
  if ((st.st_mode & S_IWGRP) != 0 && st.st_gid != 0) {
    return Unexpected{Error{subject + " is writable by group " + std::to_string(st.st_gid) + " (" +
                                describe(st) + "): chmod g-w, or chgrp root",
                            "", 0}};
  }
  return {};
}

}  // namespace augur::host
