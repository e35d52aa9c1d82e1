#include "pmacct/process/daemonize.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pmacct::process {

Result<void> daemonize() {
    pid_t pid = ::fork();
    if (pid < 0) return fail(fmt::format("cannot fork: {}", std::strerror(errno)));
    if (pid > 0) ::_exit(0);
    if (::setsid() < 0) return fail(fmt::format("cannot start a session: {}", std::strerror(errno)));
    if (::chdir("/") != 0) return fail(fmt::format("cannot chdir to /: {}", std::strerror(errno)));
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return fail(fmt::format("cannot open /dev/null: {}", std::strerror(errno)));
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(null, fd);
    if (null > STDERR_FILENO) ::close(null);
    return ok();
}

}  // namespace pmacct::process
