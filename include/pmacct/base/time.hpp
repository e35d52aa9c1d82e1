// Broken-down time in local time or UTC, and back.
#pragma once

#include <cstdint>
#include <ctime>

namespace pmacct {

std::tm to_tm(std::int64_t t, bool utc);
// mktime() or timegm() of `tm` (which they may normalise).
std::int64_t from_tm(std::tm tm, bool utc);

}  // namespace pmacct
