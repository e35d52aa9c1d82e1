// The request/reply protocol between the pmacct client and the memory plugin, over the UNIX
// stream socket at imt_path (docs/IMT-PROTOCOL.md). Text headers, binary records.
//
// Request: "PMACCT-NG-IMT 1\n", then "key: value" lines, then an empty line.
// Reply:   "PMACCT-NG-IMT 1 OK\n" or "PMACCT-NG-IMT 1 ERROR <message>\n", "key: value" lines, an
//          empty line, then for record replies `sections` blocks of "<count>\n" followed by count
//          records of record_size bytes (a Counters struct rounded up to 8 bytes, then key bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"

namespace pmacct::imt {

inline constexpr std::string_view kMagic = "PMACCT-NG-IMT";
inline constexpr int kVersion = 1;

enum class Op : std::uint8_t {
    kStats,       // -s: the whole table
    kMatch,       // -M: entries matching each query
    kCounter,     // -N: counters of the entries matching each query
    kErase,       // -e
    kStatus,      // -t: bucket occupancy
    kEraseTime,   // -i: seconds since the last erase
    kClassTable,  // -C
    kCustomTable, // -U
};

std::string_view op_name(Op op);

struct Request {
    Op op = Op::kStats;
    std::vector<std::string> primitives;  // -c: what the query values refer to
    std::vector<std::string> queries;     // one per ';'-separated group of -M/-N values
    bool reset = false;                   // -r: zero the counters of what was returned
};

std::string encode(const Request& r);
Result<Request> decode_request(std::string_view text);

struct ReplyHeader {
    bool ok = true;
    std::string error;
    std::vector<std::string> layout;  // the table's primitives, in key order
    // The table's custom primitives (aggregate_primitives), in key order, each as the map line
    // that defines it: the client installs them to read the keys.
    std::vector<std::string> custom;
    std::uint64_t record_size = 0;
    std::uint64_t sections = 0;
    std::vector<std::pair<std::string, std::string>> extra;  // op-specific values
    std::string value(std::string_view key) const;
};

std::string encode(const ReplyHeader& h);
// Parses the header at the start of `data`; `consumed` is its length in bytes.
Result<ReplyHeader> decode_reply_header(std::string_view data, std::size_t& consumed);

}  // namespace pmacct::imt
