// Exporters allowed to send data (nfacctd_allow_file / sfacctd_allow_file): one address or
// prefix per line. No file: everyone is allowed; a file with no entries: no one is.
//
//   net::AllowList allow;
//   auto r = allow.load("/etc/pmacct/allow.lst");   // problems per line in r->skipped
//   if (!allow.allows(source)) drop();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::net {

class AllowList {
public:
    struct Skipped {
        int line = 0;
        std::string why;
    };

    // Replaces the list with the file's entries; on error (unreadable file) the list is kept.
    Result<std::vector<Skipped>> load(const std::string& path);
    // From text (tests).
    std::vector<Skipped> parse(std::string_view text);

    bool active() const { return active_; }
    std::size_t size() const { return prefixes_.size(); }
    bool allows(const IpAddress& a) const {
        if (!active_) return true;
        for (const Prefix& p : prefixes_) {
            if (p.address.family == a.family && a.masked(p.bits) == p.address) return true;
        }
        return false;
    }

private:
    struct Prefix {
        IpAddress address;  // already masked
        std::uint8_t bits = 0;
    };
    std::vector<Prefix> prefixes_;
    bool active_ = false;
};

}  // namespace pmacct::net
