// The memory plugin (imt_path, imt_buckets, ...): a table queried with the pmacct client.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pmacct/aggregate/cache.hpp"
#include "pmacct/base/files.hpp"
#include "pmacct/imt/protocol.hpp"
#include "pmacct/plugin/plugin.hpp"

namespace pmacct::plugins::memory {

class MemoryPlugin : public plugin::Plugin {
protected:
    Result<void> do_init(plugin::Environment& env) override;
    void do_record(const std::uint8_t* key, const aggregate::Counters& counters) override;
    void do_batch(const std::uint8_t* data, std::uint32_t records, std::size_t record_size) override;
    void add(const std::uint8_t* key, const aggregate::Counters& counters, std::uint64_t hash, std::uint32_t hint = 0);
    void do_tick(std::int64_t now) override;
    int do_extra_fd() const override { return listen_.get(); }
    void do_extra_fd_ready() override;
    int do_finish(plugin::FinishReason reason) override;

private:
    // Selected fields of a -M / -N query, with their wanted bytes in `key`.
    struct Matcher {
        std::vector<std::uint8_t> key;
        std::vector<const aggregate::KeyField*> fields;
        bool matches(const std::uint8_t* k) const;
    };
    void handle(int fd, const imt::Request& req);
    Result<std::vector<Matcher>> build_matchers(const imt::Request& req) const;
    void serve_snapshot(int fd, const imt::Request& req, const std::vector<Matcher>& matchers,
                        imt::ReplyHeader h) const;

    const aggregate::KeyLayout* layout_ = nullptr;
    std::unique_ptr<aggregate::Cache> table_;
    std::size_t record_size_ = 0;
    std::size_t limit_ = 0;  // 0: the table grows as needed
    std::uint32_t buckets_ = 0;
    std::uint64_t lost_ = 0;
    std::int64_t last_erase_ = -1;
    std::string path_;
    UniqueFd listen_;
};

std::unique_ptr<plugin::Plugin> make();

}  // namespace pmacct::plugins::memory
