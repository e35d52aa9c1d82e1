// Custom checks (KeySpec::check) shared by more than one key table. A check runs after the type check of its key
// has accepted the value, and returns why the value is refused.
#pragma once

#include <string_view>

#include "pmacct/base/result.hpp"

namespace pmacct::config::checks {

// *_dump_refresh_time (kSeconds): 0 (no dumps) or 60..86400 seconds.
Result<void> check_dump_refresh_time(std::string_view value);

// A comma-separated list of labels; no item may be empty or blank.
Result<void> check_label_list(std::string_view value);
// pre_tag_label_filter: comma-separated labels, "-label" negations, "null" for unlabelled. Items
// are taken as written (not trimmed); an empty item or a lone '-' is refused.
Result<void> check_label_filter(std::string_view value);

}  // namespace pmacct::config::checks
