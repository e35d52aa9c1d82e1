// The nfprobe plugin (pmacctd, uacctd): a NetFlow v5 / v9 / IPFIX probe. Packets, keyed by the
// plugin's aggregate, are folded into flows (FlowTable); expired flows are encoded
// (NetflowEncoder) and sent to nfprobe_receiver over UDP. See CONFIG-KEYS and QUICKSTART XII.
#pragma once

#include <cstdint>
#include <memory>

#include "flow_table.hpp"
#include "netflow_encoder.hpp"
#include "pmacct/base/files.hpp"
#include "pmacct/plugin/plugin.hpp"

namespace pmacct::plugins::nfprobe {

class NfprobePlugin final : public plugin::Plugin {
protected:
    Result<void> do_init(plugin::Environment& env) override;
    void do_record(const std::uint8_t* key, const aggregate::Counters& counters) override;
    void do_tick(std::int64_t now) override;
    int do_timeout_ms(std::int64_t now) const override;
    int do_finish(plugin::FinishReason reason) override;

private:
    Result<void> open_socket(const config::Settings& s);
    void export_flow(const std::uint8_t* key, const Flow& flow);
    void send(std::span<const std::uint8_t> datagram);

    std::unique_ptr<FlowTable> table_;
    std::unique_ptr<NetflowEncoder> encoder_;
    UniqueFd fd_;
    std::string receiver_;
    Timeouts timeouts_;
    bool dont_cache_ = false;
    std::int64_t next_expiry_ = 0;
    std::int64_t now_ms_ = 0;  // Unix milliseconds at the last tick
    std::uint64_t flows_exported_ = 0;
    std::uint64_t datagrams_sent_ = 0;
    std::uint64_t send_failures_ = 0;
    std::uint64_t flows_skipped_ = 0;  // IPv6 flows a v5 export cannot carry
};

std::unique_ptr<plugin::Plugin> make();

}  // namespace pmacct::plugins::nfprobe
