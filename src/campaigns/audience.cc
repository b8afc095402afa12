#include "campaigns/audience.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_set>

#include "contacts/segment_rules.h"

namespace ujumbe::campaigns {

namespace {

using Key = std::array<std::uint64_t, 2>;

// A contact id (a UUID) as its 128 bits, so that a million of them take
// 16 MB; text that is no UUID hashes into the first half.
Key key_of(const std::string& id) {
    Key key{0, 0};
    int nibbles = 0;
    for (char ch : id) {
        int v = -1;
        if (ch >= '0' && ch <= '9') v = ch - '0';
        if (ch >= 'a' && ch <= 'f') v = ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F') v = ch - 'A' + 10;
        if (v < 0) continue;
        auto& half = key[nibbles < 16 ? 0 : 1];
        half = (half << 4) | static_cast<std::uint64_t>(v);
        ++nibbles;
    }
    if (nibbles != 32) key = {std::hash<std::string>{}(id), ~0ULL};
    return key;
}

// The contacts already taken from earlier sources, sorted; a source's own
// contacts join them when it ends (a source never repeats a contact).
class Seen {
public:
    bool contains(const Key& k) const {
        return std::binary_search(sorted_.begin(), sorted_.end(), k);
    }
    void add(const Key& k) { fresh_.push_back(k); }
    void end_source() {
        std::sort(fresh_.begin(), fresh_.end());
        std::vector<Key> merged;
        merged.reserve(sorted_.size() + fresh_.size());
        std::merge(sorted_.begin(), sorted_.end(), fresh_.begin(), fresh_.end(),
                   std::back_inserter(merged));
        sorted_ = std::move(merged);
        fresh_.clear();
        fresh_.shrink_to_fit();
    }

private:
    std::vector<Key> sorted_, fresh_;
};

// Criteria are segment rules; seed 001 spells two keys its own way.
Result<contacts::SegmentRules> criteria_rules(const nlohmann::json& criteria) {
    nlohmann::json rules = nlohmann::json::object();
    for (const auto& [key, value] : criteria.items()) {
        if (key == "tags")
            rules["tags_any"] = value;
        else if (key == "opt_in_status")
            rules["opt_in"] = value;
        else
            rules[key] = value;
    }
    auto parsed = contacts::parse_rules(rules);
    if (parsed) return parsed;
    Error e = std::move(parsed).error();
    FieldErrors renamed;
    for (auto& [field, problems] : e.errors) {
        std::string name = field;
        if (name.starts_with("rules.")) name = name.substr(6);
        if (name == "tags_any" && criteria.contains("tags")) name = "tags";
        if (name == "opt_in" && criteria.contains("opt_in_status")) name = "opt_in_status";
        renamed["target_criteria." + name] = std::move(problems);
    }
    if (renamed.empty()) renamed["target_criteria"] = {e.message};
    return Error::invalid_fields(std::move(renamed));
}

Candidate candidate_of(contacts::Contact& c, bool by_email) {
    Candidate out;
    out.contact_id = c.id;
    out.address = by_email ? *c.email : *c.phone_e164;
    out.values = values_of(std::move(c));
    return out;
}

class Walk {
public:
    Walk(Exclusions& exclusions, const std::function<Status(std::vector<Candidate>&)>& sink,
         bool several_sources, bool by_email)
        : exclusions_(exclusions), sink_(sink), several_(several_sources), by_email_(by_email) {}

    Status take(std::vector<contacts::Contact>& page) {
        std::vector<Candidate> batch;
        batch.reserve(page.size());
        for (auto& c : page) {
            if (several_) {
                const auto key = key_of(c.id.value);
                if (seen_.contains(key)) {
                    ++exclusions_["duplicates"];
                    continue;
                }
                seen_.add(key);
            }
            const auto& address = by_email_ ? c.email : c.phone_e164;
            if (!address || address->empty())
                ++exclusions_[by_email_ ? "no_email" : "invalid_numbers"];
            else if (!c.is_active)
                ++exclusions_["inactive"];
            else if (!c.is_opted_in || (by_email_ && c.refuses("email")))
                ++exclusions_["opted_out"];
            else
                batch.push_back(candidate_of(c, by_email_));
        }
        if (batch.empty()) return {};
        return sink_(batch);
    }
    void end_source() {
        if (several_) seen_.end_source();
    }

private:
    Exclusions& exclusions_;
    const std::function<Status(std::vector<Candidate>&)>& sink_;
    bool several_;
    bool by_email_;
    Seen seen_;
};

}  // namespace

TemplateValues values_of(contacts::Contact contact) {
    TemplateValues out;
    out.name = std::move(contact.name);
    out.phone = contact.phone_e164.value_or("");
    out.email = contact.email.value_or("");
    out.attributes = std::move(contact.attributes);
    return out;
}

Result<Audience> resolve_audience(contacts::ContactsService& contacts, const Principal& who,
                                  const Targets& targets) {
    Audience out;
    std::unordered_set<std::string> given;
    for (const auto& id : targets.contact_ids) {
        if (given.insert(id.value).second)
            out.contact_ids.push_back(id);
        else
            ++out.repeated_ids;
    }
    for (const auto& id : targets.segment_ids) {
        auto segment = contacts.get_segment(who, id);
        if (!segment) {
            if (segment.error().code == ErrorCode::kNotFound)
                return Error::invalid("target_segment_ids", "Unknown segment: " + id.value);
            return std::move(segment).error();
        }
        contacts::ContactQuery q;
        q.segment = segment->rules;
        out.queries.push_back(std::move(q));
        out.segment_names.push_back(segment->name);
    }
    if (!targets.criteria.empty()) {
        UJ_ASSIGN(auto rules, criteria_rules(targets.criteria));
        contacts::ContactQuery q;
        q.segment = std::move(rules);
        out.queries.push_back(std::move(q));
    }
    return out;
}

Status walk_audience(contacts::ContactsService& contacts, const Principal& who,
                     const Audience& audience, int page, Exclusions& exclusions,
                     const std::function<Status(std::vector<Candidate>&)>& sink,
                     const std::string& channel) {
    const std::size_t sources = (audience.contact_ids.empty() ? 0 : 1) + audience.queries.size();
    Walk walk(exclusions, sink, sources > 1, channel == "email");
    exclusions["duplicates"] += audience.repeated_ids;
    if (!audience.contact_ids.empty()) {
        for (std::size_t first = 0; first < audience.contact_ids.size();
             first += static_cast<std::size_t>(page)) {
            const auto end = std::min(audience.contact_ids.size(), first + page);
            std::vector<ContactId> ids(audience.contact_ids.begin() + first,
                                       audience.contact_ids.begin() + end);
            UJ_ASSIGN(auto found, contacts.contacts_by_ids(who, ids));
            exclusions["not_found"] += static_cast<std::int64_t>(ids.size() - found.size());
            UJ_TRY(walk.take(found));
        }
        walk.end_source();
    }
    for (const auto& q : audience.queries) {
        std::optional<contacts::store::ExportCursor> after;
        while (true) {
            UJ_ASSIGN(auto found, contacts.export_page(who, q, after, page));
            if (found.empty()) break;
            after = contacts::store::ExportCursor{found.back().created_at, found.back().id.value};
            const bool last = static_cast<int>(found.size()) < page;
            UJ_TRY(walk.take(found));
            if (last) break;
        }
        walk.end_source();
    }
    return {};
}

}  // namespace ujumbe::campaigns
