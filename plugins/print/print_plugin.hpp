// The print plugin (print_output, print_output_file, ...): see CONFIG-KEYS.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "pmacct/base/files.hpp"
#include "pmacct/output/row_writer.hpp"
#include "pmacct/plugin/caching_plugin.hpp"

namespace pmacct::plugins::print {

class PrintPlugin : public plugin::CachingPlugin {
protected:
    Result<void> do_open(plugin::Environment& env) override;
    void do_purge(const aggregate::Cache& cache, const plugin::PurgeInfo& info) override;

private:
    // print_output_file with $ variables: one file per value, rows grouped in memory.
    void purge_by_file(const aggregate::Cache& cache, const plugin::PurgeInfo& info,
                       std::chrono::steady_clock::time_point started);
    std::string expand_variables(const std::string& path, const std::uint8_t* key) const;

    std::unique_ptr<output::RowWriter> writer_;
    const aggregate::KeyLayout* layout_ = nullptr;
    std::uint64_t post_tag_ = 0;
    std::uint64_t post_tag2_ = 0;
    std::string path_;
    std::string latest_;
    std::string lock_path_;
    FilePolicy policy_;
    bool json_ = false;
    bool append_ = false;
    bool markers_ = false;
    bool write_empty_ = false;
    bool utc_ = false;
    bool header_on_stdout_ = false;
};

std::unique_ptr<plugin::Plugin> make();

}  // namespace pmacct::plugins::print
