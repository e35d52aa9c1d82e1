// PID files: the core writes <pidfile>, each plugin <pidfile>-<type>-<name>. Removed again on
// a clean exit (by the process that wrote it).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "pmacct/base/files.hpp"
#include "pmacct/base/result.hpp"

namespace pmacct::process {

class PidFile {
public:
    PidFile() = default;
    // Writes the calling process's PID to `path`, creating parent directories.
    static Result<PidFile> create(const std::string& path, const FilePolicy& policy);
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;
    PidFile(PidFile&& o) noexcept;
    PidFile& operator=(PidFile&& o) noexcept;
    // Removes the file if this process wrote it (not in a forked child).
    ~PidFile();

    const std::string& path() const { return path_; }

private:
    void remove();

    std::string path_;
    pid_t owner_ = 0;
};

// <pidfile>-<type>-<name>, the name pmacct gives a plugin's PID file.
std::string plugin_pidfile_path(std::string_view pidfile, std::string_view type,
                                std::string_view name);

}  // namespace pmacct::process
