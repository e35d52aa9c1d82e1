// Creating files the way the daemons must: mode from files_umask, owner from files_uid /
// files_gid, missing parent directories made with the same rules.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "pmacct/base/result.hpp"

namespace pmacct {

// An owned file descriptor.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept;
    ~UniqueFd();

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// files_umask / files_uid / files_gid.
struct FilePolicy {
    mode_t umask = 077;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
};

// Creates the missing directories above `path`.
Result<void> make_parent_dirs(const std::string& path, const FilePolicy& policy);
// Opens (creating if needed, with parents) `path` with `flags` (O_CREAT is added); a file it
// creates gets mode 0666 less the umask and the policy's owner.
Result<UniqueFd> open_file(const std::string& path, int flags, const FilePolicy& policy);
// Resolves a user / group given by name or number.
Result<uid_t> resolve_user(const std::string& name_or_id);
Result<gid_t> resolve_group(const std::string& name_or_id);

}  // namespace pmacct
