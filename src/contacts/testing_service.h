#pragma once
// The fixture of the contacts service tests, on each engine: two accounts
// (Acme and Beta, in Tanzania) and helpers to create, fetch, list and count.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "contacts/segment_rules.h"
#include "contacts/testing_contacts.h"

namespace ujumbe::contacts::testing {

using json = nlohmann::json;
using Tags = std::vector<std::string>;
using Names = std::vector<std::string>;

// "ok", or the error code followed by the fields the error names.
template <typename T>
std::string outcome(const Result<T>& r) {
    if (r) return "ok";
    std::string out = r.error().error_code;
    for (const auto& [field, problems] : r.error().errors) out += " " + field;
    return out;
}

inline SegmentRules rules_of(const json& j) {
    auto r = parse_rules(j);
    EXPECT_TRUE(r) << j.dump();
    return r ? *r : SegmentRules{};
}

class ContactsServiceTest : public ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        a_ = owner_of("Acme", "TZ");
        b_ = owner_of("Beta", "TZ");
    }

    // A contact created a second after the previous one. One to be opted in
    // is created and then opted in, so that tests of other rules do not
    // depend on consent being recorded at creation (tested on its own).
    Contact create(const Principal& who, ContactInput in) {
        clock_.advance(kMicrosPerSecond);
        const bool opt_in = in.is_opted_in.value_or(false);
        in.is_opted_in.reset();
        auto r = service_->upsert(who, in);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        if (!r) return Contact{};
        EXPECT_FALSE(r->upserted);
        if (!opt_in) return r->contact;
        auto in_now = service_->set_consent(who, r->contact.id, true, "all", std::nullopt);
        EXPECT_TRUE(in_now) << (in_now ? "" : in_now.error().message);
        return in_now ? *in_now : Contact{};
    }

    Contact fetch(const Principal& who, const ContactId& id) {
        auto r = service_->get(who, id);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? r->contact : Contact{};
    }

    // Names of the contacts listed, in order.
    Names listed(const Principal& who, const ContactFilter& filter, Page page = {100, 0},
                 std::int64_t* count = nullptr) {
        auto r = service_->list(who, filter, page);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        if (!r) return {};
        if (count) *count = r->count;
        Names out;
        for (const auto& c : r->items) out.push_back(c.name);
        return out;
    }

    Names search(const std::string& text) {
        ContactFilter f;
        f.query.search = text;
        f.query.ordering = "name";
        return listed(a_, f);
    }

    std::int64_t preview_count(const json& rules) {
        auto r = service_->preview_segment(a_, rules_of(rules));
        EXPECT_TRUE(r) << rules.dump() << ": " << (r ? "" : r.error().message);
        return r ? r->contact_count : -1;
    }

    template <typename Tag>
    std::int64_t count_rows(const std::string& sql, const Id<Tag>& param) {
        return count_rows(sql, param.value);
    }
    std::int64_t count_rows(const std::string& sql, const std::string& param) {
        auto r = db().read([&](db::Connection& c) { return c.query_one(sql, {param}); });
        EXPECT_TRUE(r && *r);
        return r && *r ? (*r)->i64(0) : -1;
    }

    Principal a_, b_;
};

}  // namespace ujumbe::contacts::testing
