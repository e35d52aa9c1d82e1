#include "key_checks.hpp"

#include <charconv>

#include "pmacct/base/strings.hpp"
#include "pmacct/config/values.hpp"

namespace pmacct::config::checks {
namespace {

// Fails when `is_empty` holds for an item of the comma-separated list `value`. Items are passed
// as written, untrimmed.
Result<void> check_labels(std::string_view value, bool (*is_empty)(std::string_view)) {
    while (true) {
        const auto comma = value.find(',');
        if (is_empty(value.substr(0, comma))) return fail("empty label in the list");
        if (comma == std::string_view::npos) return ok();
        value.remove_prefix(comma + 1);
    }
}

}  // namespace

Result<void> check_dump_refresh_time(std::string_view value) {
    // The kSeconds type check has already parsed the value the same way, so only the range is
    // normally left to refuse.
    const auto secs = parse_seconds(value);
    if (!secs) return fail("expected a number of seconds");
    if (*secs != 0 && (*secs < 60 || *secs > 86400)) {
        return fail("must be 0 (off) or between 60 and 86400 seconds");
    }
    return ok();
}

Result<void> check_label_list(std::string_view value) {
    return check_labels(value, [](std::string_view label) { return trim(label).empty(); });
}

Result<void> check_label_filter(std::string_view value) {
    return check_labels(value,
                        [](std::string_view label) { return label.empty() || label == "-"; });
}

}  // namespace pmacct::config::checks
