// Merging the timeline's sources: newest first across sources, the window's
// size, counts summed, and cursors that page on in both directions.

#include "crm/timeline.h"

#include <gtest/gtest.h>

namespace ujumbe::crm {
namespace {

store::Entry at(Micros t, const std::string& kind = "order") {
    return store::Entry{kind, "id-" + std::to_string(t), "", "", t};
}

db::WindowListing<store::Entry> part(std::vector<Micros> times, std::int64_t count, bool more,
                                     bool newer_beyond = false) {
    db::WindowListing<store::Entry> p;
    for (auto t : times) p.items.push_back(at(t));
    p.count = count;
    p.more = more;
    if (newer_beyond) p.previous = db::Cursor{{times.front(), "x"}, true};
    return p;
}

std::vector<Micros> times(const db::WindowListing<store::Entry>& l) {
    std::vector<Micros> out;
    for (const auto& e : l.items) out.push_back(e.at);
    return out;
}

TEST(CrmTimeline, TheFirstPageTakesTheNewestOfEverySource) {
    db::Window w{.limit = 3, .keyset = true};
    auto out = merge_windows({part({90, 50, 10}, 3, false), part({80, 70, 20}, 5, true)}, w);
    EXPECT_EQ(times(out), (std::vector<Micros>{90, 80, 70}));
    EXPECT_EQ(out.count, 8);
    EXPECT_TRUE(out.more);
    ASSERT_TRUE(out.next);
    EXPECT_EQ(out.next->from, (db::Position{70, "id-70"}));
    EXPECT_FALSE(out.previous);  // the first page
}

TEST(CrmTimeline, TheLastPageHasNoNext) {
    db::Window w{.limit = 3, .keyset = true, .cursor = db::Cursor{{70, "id-70"}, false}};
    auto out = merge_windows({part({50, 10}, 3, false), part({20}, 5, false)}, w);
    EXPECT_EQ(times(out), (std::vector<Micros>{50, 20, 10}));
    EXPECT_FALSE(out.more);
    EXPECT_FALSE(out.next);
    ASSERT_TRUE(out.previous);
    EXPECT_EQ(out.previous->from, (db::Position{50, "id-50"}));
}

TEST(CrmTimeline, APreviousPageTakesTheRowsNearestTheCursor) {
    db::Window w{.limit = 2, .keyset = true, .cursor = db::Cursor{{50, "id-50"}, true}};
    auto out = merge_windows({part({90, 60}, 3, true), part({80, 70}, 5, true)}, w);
    EXPECT_EQ(times(out), (std::vector<Micros>{70, 60}));
    ASSERT_TRUE(out.next);
    EXPECT_EQ(out.next->from, (db::Position{60, "id-60"}));
    ASSERT_TRUE(out.previous);  // 80 and 90 are newer still
    EXPECT_EQ(out.previous->from, (db::Position{70, "id-70"}));
}

TEST(CrmTimeline, PagesByNumberSliceEverySourcesFirstRows) {
    db::Window w{.limit = 2, .offset = 2};
    EXPECT_EQ(source_window(w).limit, 4);
    EXPECT_EQ(source_window(w).offset, 0);
    auto out = merge_windows({part({90, 50, 10}, 3, false), part({80, 70}, 2, false)}, w);
    EXPECT_EQ(times(out), (std::vector<Micros>{70, 50}));
    EXPECT_TRUE(out.more);
    EXPECT_EQ(out.count, 5);
}

}  // namespace
}  // namespace ujumbe::crm
