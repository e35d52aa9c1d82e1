#include "pmacct/process/pidfile.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pmacct::process {

Result<PidFile> PidFile::create(const std::string& path, const FilePolicy& policy) {
    auto fd = open_file(path, O_WRONLY | O_TRUNC, policy);
    if (!fd) return Error{fd.error()};
    if (::ftruncate(fd->get(), 0) != 0) {
        return fail(fmt::format("cannot truncate {}: {}", path, std::strerror(errno)));
    }
    std::string text = fmt::format("{}\n", ::getpid());
    if (::write(fd->get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        return fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    PidFile p;
    p.path_ = path;
    p.owner_ = ::getpid();
    return p;
}

PidFile::PidFile(PidFile&& o) noexcept : path_(std::move(o.path_)), owner_(o.owner_) { o.owner_ = 0; }

PidFile& PidFile::operator=(PidFile&& o) noexcept {
    if (this != &o) {
        remove();
        path_ = std::move(o.path_);
        owner_ = o.owner_;
        o.owner_ = 0;
    }
    return *this;
}

PidFile::~PidFile() { remove(); }

void PidFile::remove() {
    if (owner_ != 0 && owner_ == ::getpid() && !path_.empty()) ::unlink(path_.c_str());
    owner_ = 0;
}

std::string plugin_pidfile_path(std::string_view pidfile, std::string_view type,
                                std::string_view name) {
    return fmt::format("{}-{}-{}", pidfile, type, name);
}

}  // namespace pmacct::process
