#include "pmacct/base/time.hpp"

namespace pmacct {

std::tm to_tm(std::int64_t t, bool utc) {
    const auto tt = static_cast<std::time_t>(t);
    std::tm tm{};
    if (utc) {
        ::gmtime_r(&tt, &tm);
    } else {
        ::localtime_r(&tt, &tm);
    }
    return tm;
}

std::int64_t from_tm(std::tm tm, bool utc) {
    tm.tm_isdst = -1;
    return static_cast<std::int64_t>(utc ? ::timegm(&tm) : ::mktime(&tm));
}

}  // namespace pmacct
