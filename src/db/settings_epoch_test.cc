#include "db/settings_epoch.h"

#include <gtest/gtest.h>

#include <string>

namespace ujumbe::db {
namespace {

TEST(SettingsCache, AnswersOnlyForTheEpochAValueWasReadAt) {
    SettingsCache<std::string, int> cache;
    EXPECT_FALSE(cache.find("a", 1));
    cache.keep("a", 1, 10);
    EXPECT_EQ(cache.find("a", 1), 10);
    EXPECT_FALSE(cache.find("a", 2));  // the settings moved since
    EXPECT_FALSE(cache.find("a", 0));
    EXPECT_FALSE(cache.find("b", 1));
    cache.keep("a", 2, 20);
    EXPECT_EQ(cache.find("a", 2), 20);
    EXPECT_FALSE(cache.find("a", 1));
}

TEST(SettingsCache, AValueOfALaterEpochIsNotReplacedByAnEarlierOne) {
    SettingsCache<std::string, int> cache;
    cache.keep("a", 5, 50);
    cache.keep("a", 4, 40);  // a slow request that read an older epoch
    EXPECT_EQ(cache.find("a", 5), 50);
    EXPECT_FALSE(cache.find("a", 4));
}

TEST(SettingsCache, StartsOverWhenFull) {
    SettingsCache<int, int> cache(3);
    for (int k = 0; k < 3; ++k) cache.keep(k, 1, k);
    cache.keep(0, 1, 7);  // replacing does not grow it
    EXPECT_EQ(cache.find(2, 1), 2);
    cache.keep(3, 1, 3);
    EXPECT_FALSE(cache.find(0, 1));
    EXPECT_EQ(cache.find(3, 1), 3);
}

}  // namespace
}  // namespace ujumbe::db
