// Optional libraries the build can include (one CMake ENABLE_* option each).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pmacct {

enum class Feature : std::uint8_t {
    kNone,
    kPcap,      // libpcap: always built in
    kNflog,     // ENABLE_NFLOG: libnetfilter_log (uacctd)
    kJansson,   // ENABLE_JANSSON
    kKafka,     // ENABLE_KAFKA: librdkafka
    kAmqp,      // ENABLE_AMQP: rabbitmq-c
    kMysql,     // ENABLE_MYSQL: MariaDB/MySQL client
    kPgsql,     // ENABLE_PGSQL: libpq
    kSqlite3,   // ENABLE_SQLITE3
    kZmq,       // ENABLE_ZMQ: libzmq
    kGeoipv2,   // ENABLE_GEOIPV2: libmaxminddb
    kNdpi,      // ENABLE_NDPI
    kAvro,      // ENABLE_AVRO: avro-c
    kRedis,     // ENABLE_REDIS: hiredis
};

struct FeatureInfo {
    Feature feature;
    std::string_view option;   // CMake option, e.g. "ENABLE_KAFKA"
    std::string_view library;  // what it links, e.g. "librdkafka"
    bool enabled;              // compiled into this build
};

// Every optional feature, in a fixed order, with whether this build has it.
std::span<const FeatureInfo> features();
bool has_feature(Feature f);
// "librdkafka (ENABLE_KAFKA)": what a feature needs, for messages and documents.
std::string feature_label(Feature f);

}  // namespace pmacct
