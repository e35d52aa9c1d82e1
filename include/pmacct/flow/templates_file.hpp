// nfacctd_templates_file: the NetFlow v9/IPFIX templates a collector has learnt, kept in a file
// so that a restarted collector decodes data at once instead of waiting for the exporters to
// announce their templates again.
//
// One JSON object per line and template: pmacct's keys ("agent", "source_id", "template_id",
// "template_type") plus "version", "scope_fields" and "fields" ([[element, length, PEN], ...] in
// template order). Files written by pmacct (1.7.x: "list" of data-template fields in order,
// "tpl" of options-template fields by offset, the template id byte-swapped) are read too; their
// templates are installed for both NetFlow v9 and IPFIX, pmacct's file not saying which.
//
//   save_templates(decoder, "/var/lib/pmacct/templates.json");  // atomically replaced
//   auto loaded = load_templates(decoder, "/var/lib/pmacct/templates.json");
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "pmacct/base/result.hpp"
#include "pmacct/flow/netflow_v9.hpp"

namespace pmacct::flow {

// Whether this build can read and write templates files (they need jansson).
bool templates_file_supported();

Result<void> save_templates(const TemplateDecoder& decoder, const std::string& path);

struct TemplatesLoaded {
    std::size_t installed = 0;
    std::size_t skipped = 0;  // lines that are not templates this decoder can use
};
// A missing file is not an error (nothing learnt yet): zero templates.
Result<TemplatesLoaded> load_templates(TemplateDecoder& decoder, const std::string& path);
// The same from the file's text (one JSON object per line).
TemplatesLoaded parse_templates(TemplateDecoder& decoder, std::string_view text);

}  // namespace pmacct::flow
