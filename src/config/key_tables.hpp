// The key registry's tables, one per family of keys. Each lives in its own keys_*.cpp; the
// registry (key_registry.cpp) concatenates them. Every name pmacct accepts appears in exactly
// one entry of one table (tests/unit/config/key_registry_test.cpp checks this).
#pragma once

#include <span>

#include "pmacct/config/key_spec.hpp"

namespace pmacct::config::tables {

// Logging, process, plugins and the ring, aggregation, maps and tagging, networks and other
// lookup files, timestamps and output encodings.
std::span<const KeySpec> core_keys();
// Memory, SQL, print, Avro, AMQP, Kafka, nfprobe, sfprobe and tee plugins.
std::span<const KeySpec> plugin_keys();
// Inputs of nfacctd, sfacctd, pmacctd and uacctd, sFlow counters, classification, GeoIP,
// flow_to_rd_map, tunnels and the tmp_* switches.
std::span<const KeySpec> collector_keys();
// BGP daemon/thread, RPKI and IS-IS.
std::span<const KeySpec> bgp_keys();
// BMP daemon/thread and Streaming Telemetry.
std::span<const KeySpec> bmp_telemetry_keys();

}  // namespace pmacct::config::tables
