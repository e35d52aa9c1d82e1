#include "pmacct/maps/match_index.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace pmacct::maps {
namespace {

// Parts of one key, at most: a record's key is built on the stack.
constexpr std::size_t kMaxParts = 16;
constexpr std::size_t kMaxKey = kMaxParts * kMaxIndexKeyPart;

// A rule's indexable keys, sorted, each with the first condition that names it.
struct Signature {
    std::vector<IndexPart> parts;
    std::vector<const Condition*> conditions;
};

Signature signature_of(const std::vector<Condition>& conditions) {
    std::vector<std::pair<IndexPart, const Condition*>> found;
    for (const Condition& c : conditions) {
        IndexPart p;
        if (!index_part(c, p)) continue;
        const bool seen = std::any_of(found.begin(), found.end(), [&](const auto& f) { return f.first == p; });
        if (!seen) found.emplace_back(p, &c);
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    if (found.size() > kMaxParts) found.resize(kMaxParts);
    Signature s;
    for (const auto& [p, c] : found) {
        s.parts.push_back(p);
        s.conditions.push_back(c);
    }
    return s;
}

}  // namespace

MatchIndex MatchIndex::build(const std::vector<const std::vector<Condition>*>& rules) {
    MatchIndex m;
    std::vector<Signature> sigs;
    sigs.reserve(rules.size());
    // Key combinations by the number of rules using them; the most used get the indexes.
    std::map<std::vector<IndexPart>, std::pair<std::size_t, std::size_t>> uses;  // count, first rule
    for (std::size_t i = 0; i < rules.size(); ++i) {
        sigs.push_back(signature_of(*rules[i]));
        if (sigs.back().parts.empty()) continue;
        auto [it, added] = uses.try_emplace(sigs.back().parts, 0, i);
        ++it->second.first;
    }
    std::vector<std::pair<const std::vector<IndexPart>*, std::pair<std::size_t, std::size_t>>> ranked;
    for (const auto& [parts, use] : uses) ranked.emplace_back(&parts, use);
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second.first != b.second.first ? a.second.first > b.second.first : a.second.second < b.second.second;
    });
    if (ranked.size() > kMaxIndexes) ranked.resize(kMaxIndexes);
    for (const auto& r : ranked) m.indexes_.push_back(Index{*r.first, {}});

    for (std::size_t i = 0; i < rules.size(); ++i) {
        const Signature& s = sigs[i];
        const auto rule = static_cast<std::uint32_t>(i);
        if (s.parts.empty()) {
            m.in_order_.push_back(rule);
            if (rules[i]->empty()) ++m.unindexed_.no_key;
            else ++m.unindexed_.unindexable;
            continue;
        }
        // Its own combination, else the largest indexed one it has all the keys of: equal
        // values on those keys are needed for the rule to hold.
        Index* best = nullptr;
        for (Index& x : m.indexes_) {
            if (!std::includes(s.parts.begin(), s.parts.end(), x.parts.begin(), x.parts.end())) continue;
            if (best == nullptr || x.parts.size() > best->parts.size()) best = &x;
        }
        if (best == nullptr) {
            m.in_order_.push_back(rule);
            ++m.unindexed_.out_of_indexes;
            continue;
        }
        std::string key;
        for (const IndexPart& p : best->parts) {
            const auto at = std::find(s.parts.begin(), s.parts.end(), p) - s.parts.begin();
            append_index_key(*s.conditions[static_cast<std::size_t>(at)], key);
        }
        best->rules[key].push_back(rule);
    }
    return m;
}

std::string MatchIndex::note() const {
    const Unindexed& u = unindexed_;
    const std::size_t left = u.unindexable + u.no_key + u.out_of_indexes;
    if (left == 0) return {};
    return fmt::format("maps_index: {} rule(s) not indexed ({} with only negated or unindexable MATCH keys, {} with "
                       "none, {} past {} indexes); they are checked in order with the indexed ones",
                       left, u.unindexable, u.no_key, u.out_of_indexes, kMaxIndexes);
}

MatchIndex::Candidates MatchIndex::candidates(const FlowRecord& r) const {
    Candidates c;
    std::array<char, kMaxKey> key;
    for (const Index& x : indexes_) {
        std::size_t len = 0;
        bool comparable = true;
        for (const IndexPart& p : x.parts) {
            if (!append_index_key(p, r, key.data(), len)) {
                comparable = false;
                break;
            }
        }
        if (!comparable) continue;
        const auto it = x.rules.find(std::string_view(key.data(), len));
        if (it != x.rules.end()) c.lists_[c.count_++] = it->second;
    }
    if (!in_order_.empty()) c.lists_[c.count_++] = in_order_;
    return c;
}

std::uint32_t MatchIndex::Candidates::next(std::uint32_t from) {
    std::uint32_t best = kNone;
    for (std::size_t k = 0; k < count_; ++k) {
        std::span<const std::uint32_t>& l = lists_[k];
        const auto skip = std::lower_bound(l.begin(), l.end(), from) - l.begin();
        l = l.subspan(static_cast<std::size_t>(skip));
        if (!l.empty()) best = std::min(best, l.front());
    }
    return best;
}

}  // namespace pmacct::maps
