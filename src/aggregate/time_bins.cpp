#include "pmacct/aggregate/time_bins.hpp"

#include <ctime>

#include "pmacct/base/time.hpp"

namespace pmacct::aggregate {
namespace {

// First second of the month `delta` months away from the month holding `t`.
std::int64_t month_start(std::int64_t t, int delta, bool utc) {
    std::tm tm = to_tm(t, utc);
    tm.tm_sec = 0;
    tm.tm_min = 0;
    tm.tm_hour = 0;
    tm.tm_mday = 1;
    tm.tm_mon += delta;  // mktime/timegm normalise the month and year
    return from_tm(tm, utc);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

}  // namespace

std::int64_t roundoff_time(std::int64_t t, const std::string& roundoff, bool utc) {
    std::tm tm = to_tm(t, utc);
    tm.tm_sec = 0;
    for (char c : roundoff) {
        switch (c) {
            case 'm': tm.tm_min = 0; break;
            case 'h':
                tm.tm_min = 0;
                tm.tm_hour = 0;
                break;
            case 'd':
                tm.tm_min = 0;
                tm.tm_hour = 0;
                tm.tm_mday = 1;
                break;
            case 'w':
                tm.tm_min = 0;
                tm.tm_hour = 0;
                tm.tm_mday -= tm.tm_wday;  // back to Sunday
                break;
            case 'M':
                tm.tm_min = 0;
                tm.tm_hour = 0;
                tm.tm_mday = 1;
                tm.tm_mon = 0;
                break;
            default: break;
        }
    }
    return from_tm(tm, utc);
}

Result<TimeBins> TimeBins::create(const config::History& history, const std::string& roundoff,
                                  std::int64_t offset, std::int64_t now, bool utc) {
    TimeBins b;
    b.utc_ = utc;
    if (history.unit == config::History::Unit::kMonths) {
        b.months_ = history.count;
        if (offset != 0) return fail("a history offset cannot be used with monthly time-bins");
        b.anchor_ = month_start(roundoff_time(now, roundoff, utc), 0, utc);
        return b;
    }
    b.slot_ = history.seconds();
    if (offset < 0 || offset >= b.slot_) {
        return fail("the history offset must be smaller than the time-bin");
    }
    b.anchor_ = roundoff_time(now, roundoff, utc) + offset;
    return b;
}

std::int64_t TimeBins::bin_start(std::int64_t t) const {
    if (slot_ != 0) return anchor_ + floor_div(t - anchor_, slot_) * slot_;
    if (months_ == 0) return 0;
    // Calendar months: count months between the anchor and t, then step in whole bins.
    std::tm a = to_tm(anchor_, utc_);
    std::tm x = to_tm(t, utc_);
    std::int64_t diff = (std::int64_t{x.tm_year} - a.tm_year) * 12 + (x.tm_mon - a.tm_mon);
    std::int64_t bins = floor_div(diff, months_);
    return month_start(anchor_, static_cast<int>(bins * months_), utc_);
}

std::int64_t TimeBins::bin_length(std::int64_t start) const {
    if (slot_ != 0) return slot_;
    if (months_ == 0) return 0;
    return month_start(start, static_cast<int>(months_), utc_) - start;
}

}  // namespace pmacct::aggregate
