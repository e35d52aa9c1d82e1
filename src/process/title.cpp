#include "pmacct/process/title.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace pmacct::process {
namespace {

char* g_area = nullptr;
std::size_t g_area_size = 0;

}  // namespace

void init_title(int argc, char** argv) {
    if (argc <= 0 || argv == nullptr || argv[0] == nullptr) return;
    // The argv strings are contiguous: the title may use all of them.
    char* end = argv[0] + std::strlen(argv[0]);
    for (int i = 1; i < argc; ++i) {
        if (argv[i] == end + 1) end = argv[i] + std::strlen(argv[i]);
    }
    g_area = argv[0];
    g_area_size = static_cast<std::size_t>(end - argv[0]);
}

void set_title(std::string_view title) {
    // Only the argv area changes (what ps shows as the command line): the process name (comm)
    // stays the program's, so pgrep, killall and init scripts find every process by it.
    if (g_area == nullptr || g_area_size == 0) return;
    const std::size_t n = std::min(title.size(), g_area_size);
    std::memcpy(g_area, title.data(), n);
    std::memset(g_area + n, 0, g_area_size - n + 1);
}

}  // namespace pmacct::process
