// The print plugin (print_output, print_output_file, ...): see CONFIG-KEYS.
#pragma once

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
    std::unique_ptr<output::RowWriter> writer_;
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
