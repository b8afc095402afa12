#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace ujumbe {
namespace {

TEST(UuidV7, IdsOfOneProcessSortInTheOrderTheyWereMadeEvenWithinAMillisecond) {
    const Micros now = 1'767'225'600'000'000;
    std::string previous = new_uuid_v7(now);
    std::set<std::string> seen{previous};
    for (int i = 0; i < 10'000; ++i) {  // more than the 4096 a millisecond's counter holds
        const std::string id = new_uuid_v7(now);
        ASSERT_LT(previous, id);
        ASSERT_TRUE(is_uuid(id));
        ASSERT_EQ(id[14], '7');  // version
        ASSERT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
        seen.insert(id);
        previous = id;
    }
    EXPECT_EQ(seen.size(), 10'001u);
    // A later time sorts after every id made before it.
    EXPECT_LT(previous, new_uuid_v7(now + 60'000'000));
}

}  // namespace
}  // namespace ujumbe
