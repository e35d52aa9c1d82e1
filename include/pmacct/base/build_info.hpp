// What this build is: version, build id, options, linked library versions, plugins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pmacct {

std::string_view version();   // "0.1.0"
std::string_view build_id();  // "YYYYMMDD-<hash>" from git, or "RELEASE"

// The plugin types this build can run, in pmacct's order.
std::vector<std::string_view> compiled_plugins();

// "-V" text: header, build options, library versions, plugins, system, compiler.
std::string version_report(std::string_view header);

}  // namespace pmacct
