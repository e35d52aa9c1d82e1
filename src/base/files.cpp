#include "pmacct/base/files.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
}

UniqueFd::~UniqueFd() { reset(); }

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

namespace {

Result<void> chown_if_set(const std::string& path, const FilePolicy& policy) {
    if (!policy.uid && !policy.gid) return ok();
    uid_t uid = policy.uid.value_or(static_cast<uid_t>(-1));
    gid_t gid = policy.gid.value_or(static_cast<gid_t>(-1));
    if (::chown(path.c_str(), uid, gid) != 0) {
        return fail(fmt::format("cannot change owner of {}: {}", path, std::strerror(errno)));
    }
    return ok();
}

}  // namespace

Result<void> make_parent_dirs(const std::string& path, const FilePolicy& policy) {
    std::vector<std::string> missing;
    std::string dir = path;
    while (true) {
        auto slash = dir.find_last_of('/');
        if (slash == std::string::npos || slash == 0) break;
        dir.resize(slash);
        struct stat st {};
        if (::stat(dir.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode)) return fail(fmt::format("{} is not a directory", dir));
            break;
        }
        missing.push_back(dir);
    }
    const mode_t mode = static_cast<mode_t>(0777U & ~policy.umask);
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), mode) != 0 && errno != EEXIST) {
            return fail(fmt::format("cannot create directory {}: {}", *it, std::strerror(errno)));
        }
        if (auto r = chown_if_set(*it, policy); !r) return r;
    }
    return ok();
}

Result<UniqueFd> open_file(const std::string& path, int flags, const FilePolicy& policy) {
    if (auto r = make_parent_dirs(path, policy); !r) return Error{r.error()};
    const mode_t mode = static_cast<mode_t>(0666U & ~policy.umask);
    int fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    bool created = fd >= 0;
    if (fd < 0 && errno == EEXIST) fd = ::open(path.c_str(), (flags & ~O_EXCL) | O_CLOEXEC);
    if (fd < 0) return fail(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    UniqueFd owned(fd);
    if (created) {
        // open() applies the process umask on top of ours; make the mode exactly ours.
        if (::fchmod(fd, mode) != 0) {
            return fail(fmt::format("cannot set mode of {}: {}", path, std::strerror(errno)));
        }
        if (auto r = chown_if_set(path, policy); !r) return Error{r.error()};
    }
    return owned;
}

Result<uid_t> resolve_user(const std::string& name_or_id) {
    if (auto n = parse_u64(name_or_id)) return static_cast<uid_t>(*n);
    struct passwd pw {};
    struct passwd* res = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r(name_or_id.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || res == nullptr) {
        return fail(fmt::format("no such user '{}'", name_or_id));
    }
    return pw.pw_uid;
}

Result<gid_t> resolve_group(const std::string& name_or_id) {
    if (auto n = parse_u64(name_or_id)) return static_cast<gid_t>(*n);
    struct group gr {};
    struct group* res = nullptr;
    std::vector<char> buf(16384);
    if (::getgrnam_r(name_or_id.c_str(), &gr, buf.data(), buf.size(), &res) != 0 || res == nullptr) {
        return fail(fmt::format("no such group '{}'", name_or_id));
    }
    return gr.gr_gid;
}

}  // namespace pmacct
