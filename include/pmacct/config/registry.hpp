// The key registry: every configuration key pmacct documents, looked up by any of its names.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "pmacct/base/daemon.hpp"
#include "pmacct/config/key_spec.hpp"

namespace pmacct::config {

class KeyRegistry {
public:
    static const KeyRegistry& instance();

    // Every setting, in a stable order (the index is the setting's id).
    std::span<const KeySpec* const> settings() const { return settings_; }
    std::size_t size() const { return settings_.size(); }
    // The setting with this name or alias, or nullptr.
    const KeySpec* find(std::string_view name) const;
    // Id of the setting with this name or alias; size() when unknown.
    std::size_t index_of(std::string_view name) const;

private:
    KeyRegistry();
    std::vector<const KeySpec*> settings_;
    std::vector<std::pair<std::string_view, std::size_t>> by_name_;  // sorted by name
};

// The names of a setting, canonical first.
std::vector<std::string_view> key_names(const KeySpec& k);
std::string_view canonical_name(const KeySpec& k);

// Checks `value` against the key's type, bounds, choices, custom check and (for daemons that
// run it) nothing else. Returns the reason on failure, e.g. "expected true or false".
Result<void> validate_value(const KeySpec& k, std::string_view value);

std::string_view value_type_name(ValueType t);

}  // namespace pmacct::config
