#include "registry.hpp"

#include <utility>

#include "memory/memory_plugin.hpp"
#include "nfprobe/nfprobe_plugin.hpp"
#include "print/print_plugin.hpp"
#include "tee/tee_plugin.hpp"

namespace pmacct::plugins {
namespace {

constexpr std::pair<std::string_view, plugin::Factory> kPlugins[] = {
    {"memory", memory::make},
    {"nfprobe", nfprobe::make},
    {"print", print::make},
    {"tee", tee::make},
};

}  // namespace

plugin::Factory find_factory(std::string_view type) {
    for (const auto& [t, f] : kPlugins) {
        if (t == type) return f;
    }
    return nullptr;
}

}  // namespace pmacct::plugins
