// Build identity and linked-library versions. This file is compiled with the PMACCT_HAVE_*
// definitions of the optional libraries and calls each one for its run-time version.
#include "pmacct/base/build_info.hpp"

#include <sys/utsname.h>

#include <array>
#include <string>

#include <fmt/format.h>
#include <pcap/pcap.h>

#include "pmacct/base/features.hpp"
#include "pmacct/config/plugin_types.hpp"

#if PMACCT_HAVE_JANSSON
#include <jansson.h>
#endif
#if PMACCT_HAVE_KAFKA
#include <librdkafka/rdkafka.h>
#endif
#if PMACCT_HAVE_AMQP
#include <amqp.h>
#endif
#if PMACCT_HAVE_MYSQL
#include <mysql.h>
#endif
#if PMACCT_HAVE_PGSQL
#include <libpq-fe.h>
#endif
#if PMACCT_HAVE_SQLITE3
#include <sqlite3.h>
#endif
#if PMACCT_HAVE_ZMQ
#include <zmq.h>
#endif
#if PMACCT_HAVE_GEOIPV2
#include <maxminddb.h>
#endif
#if PMACCT_HAVE_NDPI
#include <ndpi/ndpi_api.h>
#endif
#if PMACCT_HAVE_REDIS
#include <hiredis/hiredis.h>
#endif

#ifndef PMACCT_VERSION
#define PMACCT_VERSION "0.0.0"
#endif
#ifndef PMACCT_BUILD_ID
#define PMACCT_BUILD_ID "RELEASE"
#endif
#ifndef PMACCT_BUILD_OPTIONS
#define PMACCT_BUILD_OPTIONS ""
#endif
#ifndef PMACCT_COMPILER
#define PMACCT_COMPILER "unknown"
#endif

namespace pmacct {
namespace {

const std::array<FeatureInfo, 13> kFeatures = {{
    {Feature::kPcap, "(always)", "libpcap", true},
    {Feature::kNflog, "ENABLE_NFLOG", "libnetfilter_log", PMACCT_HAVE_NFLOG != 0},
    {Feature::kJansson, "ENABLE_JANSSON", "jansson", PMACCT_HAVE_JANSSON != 0},
    {Feature::kKafka, "ENABLE_KAFKA", "librdkafka", PMACCT_HAVE_KAFKA != 0},
    {Feature::kAmqp, "ENABLE_AMQP", "rabbitmq-c", PMACCT_HAVE_AMQP != 0},
    {Feature::kMysql, "ENABLE_MYSQL", "MariaDB client", PMACCT_HAVE_MYSQL != 0},
    {Feature::kPgsql, "ENABLE_PGSQL", "libpq", PMACCT_HAVE_PGSQL != 0},
    {Feature::kSqlite3, "ENABLE_SQLITE3", "sqlite3", PMACCT_HAVE_SQLITE3 != 0},
    {Feature::kZmq, "ENABLE_ZMQ", "ZeroMQ", PMACCT_HAVE_ZMQ != 0},
    {Feature::kGeoipv2, "ENABLE_GEOIPV2", "libmaxminddb", PMACCT_HAVE_GEOIPV2 != 0},
    {Feature::kNdpi, "ENABLE_NDPI", "nDPI", PMACCT_HAVE_NDPI != 0},
    {Feature::kAvro, "ENABLE_AVRO", "avro-c", PMACCT_HAVE_AVRO != 0},
    {Feature::kRedis, "ENABLE_REDIS", "hiredis", PMACCT_HAVE_REDIS != 0},
}};

// "Libs:" lines: each library's own version string, asked at run time where it can tell.
std::string library_versions() {
    std::string out;
    out += fmt::format("{}\n", pcap_lib_version());
#if PMACCT_HAVE_NFLOG
    out += fmt::format("netfilter_log {}\n", PMACCT_NFLOG_PKG_VERSION);
#endif
#if PMACCT_HAVE_JANSSON
    out += fmt::format("jansson {}\n", jansson_version_str());
#endif
#if PMACCT_HAVE_KAFKA
    out += fmt::format("rdkafka {}\n", rd_kafka_version_str());
#endif
#if PMACCT_HAVE_AMQP
    out += fmt::format("rabbitmq-c {}\n", amqp_version());
#endif
#if PMACCT_HAVE_MYSQL
    out += fmt::format("MariaDB client {}\n", mysql_get_client_info());
#endif
#if PMACCT_HAVE_PGSQL
    out += fmt::format("PostgreSQL {}\n", PQlibVersion());
#endif
#if PMACCT_HAVE_SQLITE3
    out += fmt::format("sqlite3 {}\n", sqlite3_libversion());
#endif
#if PMACCT_HAVE_ZMQ
    {
        int major = 0;
        int minor = 0;
        int patch = 0;
        zmq_version(&major, &minor, &patch);
        out += fmt::format("ZeroMQ {}.{}.{}\n", major, minor, patch);
    }
#endif
#if PMACCT_HAVE_GEOIPV2
    out += fmt::format("MaxmindDB {}\n", MMDB_lib_version());
#endif
#if PMACCT_HAVE_NDPI
    out += fmt::format("nDPI {}\n", ndpi_revision());
#endif
#if PMACCT_HAVE_AVRO
    out += fmt::format("avro-c {}\n", PMACCT_AVRO_PKG_VERSION);
#endif
#if PMACCT_HAVE_REDIS
    out += fmt::format("hiredis {}.{}.{}\n", HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);
#endif
    return out;
}

}  // namespace

std::span<const FeatureInfo> features() { return kFeatures; }

bool has_feature(Feature f) {
    if (f == Feature::kNone) return true;
    for (const auto& i : kFeatures) {
        if (i.feature == f) return i.enabled;
    }
    return false;
}

std::string feature_label(Feature f) {
    for (const auto& fi : kFeatures) {
        if (fi.feature == f) return fmt::format("{} ({})", fi.library, fi.option);
    }
    return "an optional library";
}

std::string_view version() { return PMACCT_VERSION; }
std::string_view build_id() { return PMACCT_BUILD_ID; }

std::vector<std::string_view> compiled_plugins() {
    std::vector<std::string_view> out;
    for (const auto& t : config::plugin_types()) {
        if (config::plugin_available(t)) out.push_back(t.type);
    }
    return out;
}

std::string version_report(std::string_view header) {
    std::string out = fmt::format("{} {} [{}]\n\n", header, version(), build_id());
    out += "Arguments:\n";
    out += fmt::format(" {}\n\n", PMACCT_BUILD_OPTIONS);
    out += "Libs:\n";
    out += library_versions();
    out += "\nPlugins:\n";
    auto plugins = compiled_plugins();
    if (plugins.empty()) out += "(none yet: no plugin is implemented in this version)\n";
    for (auto p : plugins) out += fmt::format("{}\n", p);
    struct utsname u {};
    if (uname(&u) == 0) {
        out += fmt::format("\nSystem:\n{} {} {} {}\n", u.sysname, u.release, u.version, u.machine);
    }
    out += fmt::format("\nCompiler:\n{}\n", PMACCT_COMPILER);
    out += "\nFor bugs and suggestions, see the pmacct-ng issue tracker.\n";
    return out;
}

}  // namespace pmacct
