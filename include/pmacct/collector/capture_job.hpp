// The main job of the packet-capturing daemons: capture packets (pmacctd: a live interface or a
// pcap savefile replayed; uacctd: an NFLOG group), account each IP packet as a record (see
// packet::PacketAccountant), and hand the records to the plugins.
#pragma once

#include <memory>

#include "pmacct/app/daemon_main.hpp"
#include "pmacct/plugin/host.hpp"

namespace pmacct::collector {

std::unique_ptr<app::MainJob> make_pmacctd_job(plugin::FactoryLookup lookup);
// Fails at prepare() when the build has no NFLOG support.
std::unique_ptr<app::MainJob> make_uacctd_job(plugin::FactoryLookup lookup);

}  // namespace pmacct::collector
