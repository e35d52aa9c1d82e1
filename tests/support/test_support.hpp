// Helpers shared by the tests: scratch directories, whole-file reads, CSV tables, waiting.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <ctime>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace pmacct::testing {

// A fresh directory under /tmp, removed with everything in it at the end of the scope.
class TempDir {
public:
    TempDir() {
        std::string tmpl = "/tmp/pmacct-ng-test-XXXXXX";
        if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Sets TZ for the scope of the object, and restores it.
class ScopedTz {
public:
    explicit ScopedTz(const std::string& tz) {
        const char* old = std::getenv("TZ");
        had_ = old != nullptr;
        if (had_) old_ = old;
        ::setenv("TZ", tz.c_str(), 1);
        ::tzset();
    }
    ScopedTz(const ScopedTz&) = delete;
    ScopedTz& operator=(const ScopedTz&) = delete;
    ~ScopedTz() {
        if (had_) {
            ::setenv("TZ", old_.c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }

private:
    bool had_ = false;
    std::string old_;
};

// Polls `cond` every 20 ms for up to `ms` milliseconds; its last value.
inline bool wait_for(const std::function<bool()>& cond, int ms = 10000) {
    for (int i = 0; i < ms / 20; ++i) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The lines of a text, without their newlines (a last line without one counts).
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        lines.push_back(text.substr(at, nl - at));
        at = nl + 1;
    }
    return lines;
}

// A table of print output.
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    int col(const std::string& name) const {
        for (std::size_t i = 0; i < header.size(); ++i) {
            if (header[i] == name) return static_cast<int>(i);
        }
        return -1;
    }
};

// CSV output: the first line is the header; repeated headers and "--" markers are skipped.
inline Table parse_csv(const std::string& text, char sep = ',') {
    Table t;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.rfind("--", 0) == 0) continue;
        std::vector<std::string> cells;
        std::string cell;
        std::istringstream ls(line);
        while (std::getline(ls, cell, sep)) cells.push_back(cell);
        if (t.header.empty()) {
            t.header = cells;
        } else if (cells != t.header) {
            t.rows.push_back(cells);
        }
    }
    return t;
}

// The rows of a table, each as its cells joined with a ',' after each, sorted: two outputs
// compared regardless of row order.
inline std::vector<std::string> sorted_row_lines(const Table& t) {
    std::vector<std::string> rows;
    for (const auto& r : t.rows) {
        std::string line;
        for (const auto& cell : r) line += cell + ",";
        rows.push_back(line);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}
inline std::vector<std::string> sorted_row_lines(const std::string& csv) { return sorted_row_lines(parse_csv(csv)); }

}  // namespace pmacct::testing
