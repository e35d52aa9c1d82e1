// The lookups one plugin asks of the core: networks and masks (nfacctd_net, networks_file,
// networks_mask, networks_file_filter, networks_no_mask_if_zero), ASNs (nfacctd_as,
// networks_file), and the value lists (ports_file, protos_file, tos_file). They rewrite the
// fields of a key the core has just extracted from a record, before it goes on the plugin's
// ring. A plugin that configures none of them has no FlowLookups at all: its keys cost nothing
// more. Nothing here allocates or throws per record.
//
// Shared by the flow daemons (nfacctd, sfacctd: the export protocol's masks and ASNs) and the
// capture daemons (pmacctd, uacctd: none, so `mask` and `file` by default).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/daemon.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/config/config.hpp"
#include "pmacct/maps/networks.hpp"
#include "pmacct/maps/value_lists.hpp"

namespace pmacct::maps {

// Sources of networks and masks (nfacctd_net) or ASNs (nfacctd_as), as bits.
enum SourceBits : std::uint8_t {
    kSourceExport = 1,    // netflow / sflow: what the record says
    kSourceMask = 2,      // networks_mask
    kSourceFile = 4,      // networks_file
    kSourceLongest = 8,   // the longer of networks_file and the record (the file on a tie)
    kSourceRouting = 16,  // bgp, bmp, igp, bgp-ls: no routing daemon yet, so nothing
};

class FlowLookups {
public:
    // The lookups of plugin `p` whose keys have `layout`; nullptr when it configures none.
    // Files are read here: a missing file or a contradictory setting is an error
    // ("file:line: key: why"); unusable lines are logged ("path:line: key: why") and left out.
    static Result<std::unique_ptr<FlowLookups>> for_plugin(Daemon daemon,
                                                           const config::PluginInstance& p,
                                                           const aggregate::KeyLayout& layout);

    // The lookups of every plugin of `cfg`, in `plugins` order (nullptr for a plugin without
    // any); the errors of all plugins together, one per line.
    static Result<std::vector<std::unique_ptr<FlowLookups>>> for_config(const config::Config& cfg);

    // Rewrites the fields of `key` (extracted from `r` with `side`, see KeyLayout::extract).
    void apply(const FlowRecord& r, std::uint8_t* key, int side) const;

    // SIGUSR2: the files are read again; one that cannot be read keeps its previous content.
    void reload();

private:
    struct Resolved;
    Resolved resolve(const IpAddress& a, std::uint8_t export_mask) const;
    void write_side(const FlowRecord& r, std::uint8_t* key, bool source, int sum_side) const;
    Result<void> load_files(bool reloading);

    // Offsets of the fields this plugin's key has; -1 when it has not.
    struct Offsets {
        int host[2] = {-1, -1};  // src, dst
        int net[2] = {-1, -1};
        int mask[2] = {-1, -1};
        int as[2] = {-1, -1};
        int peer_as[2] = {-1, -1};
        int port[2] = {-1, -1};
        int sum_host = -1;
        int sum_net = -1;
        int sum_as = -1;
        int sum_port = -1;
        int peer_dst_ip = -1;
        int proto = -1;
        int tos = -1;
    };

    std::string plugin_;  // "p/print", for log lines
    std::uint8_t net_source_ = kSourceExport;
    std::uint8_t as_source_ = kSourceExport;
    std::uint8_t networks_mask_ = 0;
    bool filter_ = false;
    bool no_lpm_ = false;
    bool no_mask_if_zero_ = false;
    bool tos_as_dscp_ = false;
    bool resolve_side_[2] = {false, false};  // a network lookup is needed for src / dst
    Offsets at_;

    std::string networks_path_;
    std::string ports_path_;
    std::string protos_path_;
    std::string tos_path_;
    std::unique_ptr<NetworksTable> networks_;
    std::unique_ptr<PortList> ports_;
    std::unique_ptr<ByteList> protos_;
    std::unique_ptr<ByteList> tos_;
};

}  // namespace pmacct::maps
