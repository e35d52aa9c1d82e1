// Receivers of the tee plugin that are message queues, not UDP collectors: a Kafka topic
// (librdkafka producer) or a ZeroMQ PUSH socket bound to an address. Each message is one
// replicated datagram as the exporter's IP packet: an IPv4 or IPv6 header from the exporter's
// address to the unspecified address, a UDP header from the exporter's port to port 0, then the
// datagram (1.7.7's format: checked by consuming what Debian's nfacctd sends).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "pmacct/base/result.hpp"

namespace pmacct::plugins::tee {

class QueueEmitter {
public:
    virtual ~QueueEmitter() = default;
    // Queues one message; false when it is lost (the queue stayed full, the broker refused it).
    virtual bool emit(std::span<const std::uint8_t> message) = 0;
    // Serves what the library has to report (Kafka deliveries); cheap, call once per batch.
    virtual void poll() {}
    // Waits at most `timeout_ms` for queued messages to leave; returns how many did not.
    virtual std::uint64_t finish(int timeout_ms) = 0;
    // Messages the queue accepted but could not deliver (Kafka delivery reports), so far.
    virtual std::uint64_t undelivered() const { return 0; }
    // "Kafka [broker] topic", "ZeroMQ [address]": for messages.
    virtual const std::string& name() const = 0;
};

// A producer to `topic` through `brokers` (bootstrap.servers), with the librdkafka settings of
// `config_file` (tee_kafka_config_file: "global|topic, key, value" lines) when not empty.
Result<std::unique_ptr<QueueEmitter>> open_kafka(const std::string& brokers, const std::string& topic,
                                                 const std::string& config_file);
// A PUSH socket bound to `address` (tcp://host:port or inproc://name).
Result<std::unique_ptr<QueueEmitter>> open_zmq(const std::string& address);

}  // namespace pmacct::plugins::tee
