#include "tee_queues.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"
#include "pmacct/log/log.hpp"

#if PMACCT_HAVE_KAFKA
#include <librdkafka/rdkafka.h>
#endif
#if PMACCT_HAVE_ZMQ
#include <zmq.h>
#endif

namespace pmacct::plugins::tee {

#if PMACCT_HAVE_KAFKA
namespace {

// A full producer queue is waited on this long, in steps, before the message counts as lost.
constexpr int kQueueFullWaitMs = 1000;
constexpr int kQueueFullStepMs = 10;

class KafkaEmitter final : public QueueEmitter {
public:
    explicit KafkaEmitter(std::string name) : name_(std::move(name)) {}
    // The producer and topic it owns from now on.
    void attach(rd_kafka_t* rk, rd_kafka_topic_t* topic) {
        rk_ = rk;
        topic_ = topic;
    }
    ~KafkaEmitter() override {
        if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
        if (rk_ != nullptr) rd_kafka_destroy(rk_);
    }
    KafkaEmitter(const KafkaEmitter&) = delete;
    KafkaEmitter& operator=(const KafkaEmitter&) = delete;

    bool emit(std::span<const std::uint8_t> message) override {
        auto* data = const_cast<std::uint8_t*>(message.data());  // copied: RD_KAFKA_MSG_F_COPY
        for (int waited = 0;; waited += kQueueFullStepMs) {
            if (rd_kafka_produce(topic_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, data, message.size(), nullptr,
                                 0, nullptr) == 0) {
                return true;
            }
            const rd_kafka_resp_err_t err = rd_kafka_last_error();
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || waited >= kQueueFullWaitMs) {
                PMACCT_LOG_LIMITED(log::Level::kError, 60, 1, "{}: a datagram could not be queued: {}", name_,
                                   rd_kafka_err2str(err));
                return false;
            }
            rd_kafka_poll(rk_, kQueueFullStepMs);  // deliveries make room
        }
    }
    void poll() override { rd_kafka_poll(rk_, 0); }
    std::uint64_t finish(int timeout_ms) override {
        rd_kafka_flush(rk_, timeout_ms);
        rd_kafka_poll(rk_, 0);
        const int left = rd_kafka_outq_len(rk_);
        return left > 0 ? static_cast<std::uint64_t>(left) : 0;
    }
    std::uint64_t undelivered() const override { return undelivered_; }
    const std::string& name() const override { return name_; }

    static void on_delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
        auto* self = static_cast<KafkaEmitter*>(opaque);
        ++self->undelivered_;
        PMACCT_LOG_LIMITED(log::Level::kError, 60, 1, "{}: a datagram was not delivered: {} ({} so far)",
                           self->name_, rd_kafka_err2str(m->err), self->undelivered_);
    }
    static void on_log(const rd_kafka_t* /*rk*/, int level, const char* facility, const char* text) {
        // syslog levels: up to 4 (warning) are worth a line; the rest is debug.
        if (level <= 4) {
            PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 5, "librdkafka: {}: {}", facility, text);
        } else {
            log::debug("librdkafka: {}: {}", facility, text);
        }
    }

private:
    rd_kafka_t* rk_ = nullptr;
    rd_kafka_topic_t* topic_ = nullptr;
    std::string name_;
    std::uint64_t undelivered_ = 0;
};

// The settings of a kafka_config_file: "global, key, value" and "topic, key, value" lines (the
// value may hold commas); blank lines and lines starting with '!' or '#' are skipped. A line
// librdkafka refuses is reported and skipped.
Result<void> apply_config_file(const std::string& path, rd_kafka_conf_t* global, rd_kafka_topic_conf_t* topic) {
    std::ifstream in(path);
    if (!in) return fail(fmt::format("tee_kafka_config_file: cannot read {}: {}", path, std::strerror(errno)));
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        const std::string_view text = trim(line);
        if (text.empty() || text.front() == '!' || text.front() == '#') continue;
        const auto c1 = text.find(',');
        const auto c2 = c1 == std::string_view::npos ? c1 : text.find(',', c1 + 1);
        if (c2 == std::string_view::npos) {
            log::warn("{}:{}: tee_kafka_config_file: expected 'global|topic, key, value'; line ignored", path, n);
            continue;
        }
        const std::string kind(trim(text.substr(0, c1)));
        const std::string key(trim(text.substr(c1 + 1, c2 - c1 - 1)));
        const std::string value(trim(text.substr(c2 + 1)));
        char err[256] = {};
        rd_kafka_conf_res_t rc = RD_KAFKA_CONF_UNKNOWN;
        if (kind == "global") {
            rc = rd_kafka_conf_set(global, key.c_str(), value.c_str(), err, sizeof err);
        } else if (kind == "topic") {
            rc = rd_kafka_topic_conf_set(topic, key.c_str(), value.c_str(), err, sizeof err);
        } else {
            log::warn("{}:{}: tee_kafka_config_file: '{}' is not global or topic; line ignored", path, n, kind);
            continue;
        }
        if (rc != RD_KAFKA_CONF_OK) log::warn("{}:{}: tee_kafka_config_file: {}: {}; line ignored", path, n, key, err);
    }
    return ok();
}

}  // namespace

Result<std::unique_ptr<QueueEmitter>> open_kafka(const std::string& brokers, const std::string& topic,
                                                 const std::string& config_file) {
    char err[512] = {};
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_topic_conf_t* tconf = rd_kafka_topic_conf_new();
    // Logs and delivery reports are served by poll() in the plugin's own thread.
    rd_kafka_conf_set(conf, "log.queue", "true", err, sizeof err);
    rd_kafka_conf_set_log_cb(conf, &KafkaEmitter::on_log);
    rd_kafka_conf_set_dr_msg_cb(conf, &KafkaEmitter::on_delivery);
    if (!config_file.empty()) {
        if (auto r = apply_config_file(config_file, conf, tconf); !r) {
            rd_kafka_conf_destroy(conf);
            rd_kafka_topic_conf_destroy(tconf);
            return fail(r.error());
        }
    }
    // The map's brokers win over the file's.
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        rd_kafka_topic_conf_destroy(tconf);
        return fail(fmt::format("kafka_broker '{}': {}", brokers, err));
    }
    // Delivery reports find the emitter through the opaque.
    auto emitter = std::make_unique<KafkaEmitter>(fmt::format("Kafka [{}] topic {}", brokers, topic));
    rd_kafka_conf_set_opaque(conf, emitter.get());
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == nullptr) {  // conf is still ours
        rd_kafka_conf_destroy(conf);
        rd_kafka_topic_conf_destroy(tconf);
        return fail(fmt::format("kafka_broker '{}': {}", brokers, err));
    }
    rd_kafka_set_log_queue(rk, nullptr);  // the main queue: served by rd_kafka_poll()
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), tconf);  // takes tconf
    if (t == nullptr) {
        const std::string why = rd_kafka_err2str(rd_kafka_last_error());
        rd_kafka_destroy(rk);
        return fail(fmt::format("kafka_topic '{}': {}", topic, why));
    }
    emitter->attach(rk, t);
    return std::unique_ptr<QueueEmitter>(std::move(emitter));
}
#else
Result<std::unique_ptr<QueueEmitter>> open_kafka(const std::string&, const std::string&, const std::string&) {
    return fail("Kafka receivers need a build with ENABLE_KAFKA (librdkafka)");
}
#endif

#if PMACCT_HAVE_ZMQ
namespace {

// 1.7.7's high-water mark for replicated datagrams (about 150 MB of 1.5 KB ones).
constexpr int kZmqHighWaterMark = 100000;

class ZmqEmitter final : public QueueEmitter {
public:
    ZmqEmitter(void* ctx, void* sock, std::string name) : ctx_(ctx), sock_(sock), name_(std::move(name)) {}
    ~ZmqEmitter() override { close(0); }
    ZmqEmitter(const ZmqEmitter&) = delete;
    ZmqEmitter& operator=(const ZmqEmitter&) = delete;

    bool emit(std::span<const std::uint8_t> message) override {
        while (true) {
            if (zmq_send(sock_, message.data(), message.size(), ZMQ_DONTWAIT) >= 0) return true;
            if (errno == EINTR) continue;
            // No receiver connected, or its queue at the high-water mark: 1.7.7 drops it too.
            PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1, "{}: queue full: datagram dropped ({})", name_,
                               zmq_strerror(errno));
            return false;
        }
    }
    std::uint64_t finish(int timeout_ms) override {
        close(timeout_ms);
        return 0;
    }
    const std::string& name() const override { return name_; }

private:
    void close(int linger_ms) {
        if (sock_ != nullptr) {
            zmq_setsockopt(sock_, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
            zmq_close(sock_);
            sock_ = nullptr;
        }
        if (ctx_ != nullptr) {
            zmq_ctx_term(ctx_);  // waits for what is queued, at most the linger time
            ctx_ = nullptr;
        }
    }

    void* ctx_;
    void* sock_;
    std::string name_;
};

}  // namespace

Result<std::unique_ptr<QueueEmitter>> open_zmq(const std::string& address) {
    void* ctx = zmq_ctx_new();
    if (ctx == nullptr) return fail(fmt::format("zmq_address '{}': {}", address, zmq_strerror(errno)));
    void* sock = zmq_socket(ctx, ZMQ_PUSH);
    if (sock == nullptr) {
        const std::string why = zmq_strerror(errno);
        zmq_ctx_term(ctx);
        return fail(fmt::format("zmq_address '{}': {}", address, why));
    }
    auto emitter = std::make_unique<ZmqEmitter>(ctx, sock, fmt::format("ZeroMQ [{}]", address));
    const int hwm = kZmqHighWaterMark;
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (zmq_bind(sock, address.c_str()) != 0) {
        return fail(fmt::format("zmq_address '{}': cannot bind: {}", address, zmq_strerror(errno)));
    }
    return std::unique_ptr<QueueEmitter>(std::move(emitter));
}
#else
Result<std::unique_ptr<QueueEmitter>> open_zmq(const std::string&) {
    return fail("ZeroMQ receivers need a build with ENABLE_ZMQ (libzmq)");
}
#endif

}  // namespace pmacct::plugins::tee
