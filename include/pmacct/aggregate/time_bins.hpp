// Time-bins (*_history, *_history_roundoff, *_history_offset) with pmacct's semantics: bins of
// N seconds/minutes/hours/days/weeks or calendar months, laid on a grid anchored at the start
// time rounded off as the roundoff letters say (seconds are always zeroed; m zeroes minutes, h
// hours, d takes the first of the month, w the last Sunday, M the first month), plus the offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pmacct/base/result.hpp"
#include "pmacct/config/values.hpp"

namespace pmacct::aggregate {

// roundoff_time(): `t` in local time (or UTC) with the fields named by `roundoff` zeroed.
std::int64_t roundoff_time(std::int64_t t, const std::string& roundoff, bool utc = false);

class TimeBins {
public:
    TimeBins() = default;  // disabled: every record goes to bin 0
    // `now` anchors the grid; `offset` must be smaller than the bin.
    static Result<TimeBins> create(const config::History& history, const std::string& roundoff,
                                   std::int64_t offset, std::int64_t now, bool utc = false);

    bool enabled() const { return slot_ != 0 || months_ != 0; }
    // Start of the bin holding `t` (0 when disabled).
    std::int64_t bin_start(std::int64_t t) const;
    // The bin a record whose time is `t` (whole seconds) is accounted in. pmacct's bins hold
    // (start, start + length]: a time on a boundary belongs to the bin that ends there (checked
    // on Debian's 1.7.7: a flow starting at 22:59:00 goes to the 22:58 one-minute bin).
    std::int64_t record_bin(std::int64_t t) const { return bin_start(t - 1); }
    // Length of the bin starting at `start` (months vary).
    std::int64_t bin_length(std::int64_t start) const;

private:
    std::int64_t anchor_ = 0;
    std::int64_t slot_ = 0;     // seconds; 0 for calendar months
    std::uint32_t months_ = 0;  // bin length in months
    bool utc_ = false;
};

}  // namespace pmacct::aggregate
