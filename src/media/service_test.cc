// Media objects on both engines: uploads checked by content and limits,
// stored once per content, listed, deleted with their file, served through
// signed URLs; received files registered, downloaded and given up; one
// account never reaches another's.

#include "media/service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "contacts/testing_contacts.h"
#include "core/crypto.h"
#include "media/store.h"

namespace ujumbe::media {
namespace {

const std::string kPng = std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16) + std::string(200, 'p');

class MediaServiceTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        files_ = std::make_unique<MediaFiles>((dir_ / "media").string());
        urls_ = std::make_unique<MediaUrls>("secret", "", 600 * kMicrosPerSecond);
        service_ = std::make_unique<MediaService>(
            db(), clock_, *files_, *urls_,
            MediaLimits{.max_bytes = 1024 * 1024, .account_bytes = 4096});
        acme_ = owner_of("Acme");
        beta_ = owner_of("Beta");
    }
    // An upload of `bytes`, spooled as the server spools a body.
    Result<Media> upload(const Principal& who, const std::string& bytes,
                         const std::string& name = "") {
        const auto path = dir_ / ("body-" + std::to_string(++bodies_));
        std::ofstream(path, std::ios::binary) << bytes;
        return service_->upload(who, {path.string(), 0, bytes.size(), name});
    }
    std::string file_of(const Media& m) {
        std::ifstream in(service_->path(m), std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    std::unique_ptr<MediaFiles> files_;
    std::unique_ptr<MediaUrls> urls_;
    std::unique_ptr<MediaService> service_;
    Principal acme_, beta_;
    int bodies_ = 0;
};

TEST_P(MediaServiceTest, AnUploadIsStoredByItsHashWithTheTypeItsContentHas) {
    auto m = upload(acme_, kPng, "../menu.jpg");  // named a JPEG, is a PNG
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->mime_type, "image/png");
    EXPECT_EQ(m->kind, "image");
    EXPECT_EQ(m->status, kReady);
    EXPECT_EQ(m->filename, "menu.jpg");
    EXPECT_EQ(m->sha256, to_hex(sha256(kPng)));
    EXPECT_EQ(m->size_bytes, static_cast<std::int64_t>(kPng.size()));
    EXPECT_EQ(file_of(*m), kPng);
    EXPECT_TRUE(service_->path(*m).ends_with(acme_.account_id.value + "/" + m->sha256));
    auto got = service_->get(acme_, m->id.value);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->sha256, m->sha256);
}

TEST_P(MediaServiceTest, RefusesWhatIsNotAKnownTypeOrPastALimit) {
    auto program = upload(acme_, "MZ\x90 a windows program", "photo.jpg");
    ASSERT_FALSE(program);
    EXPECT_EQ(program.error().code, ErrorCode::kUnsupportedMediaType);
    EXPECT_EQ(program.error().errors.count("file"), 1u);
    auto empty = upload(acme_, "");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().errors.count("file"), 1u);
    // 4 KB for the whole account: the second file does not fit.
    ASSERT_TRUE(upload(acme_, kPng + std::string(3000, 'x')));
    auto over = upload(acme_, kPng + std::string(1000, 'y'));
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().error_code, "MEDIA_QUOTA_EXCEEDED");
    ASSERT_TRUE(upload(beta_, kPng + std::string(1000, 'y')));  // another account's quota
    // Past the server's limit for one file.
    auto big = MediaService(db(), clock_, *files_, *urls_, {.max_bytes = 100});
    const auto path = dir_ / "big";
    std::ofstream(path, std::ios::binary) << kPng;
    auto too_large = big.upload(beta_, {path.string(), 0, kPng.size(), ""});
    ASSERT_FALSE(too_large);
    EXPECT_EQ(too_large.error().code, ErrorCode::kPayloadTooLarge);
    EXPECT_EQ(too_large.error().error_code, "MEDIA_TOO_LARGE");
}

TEST_P(MediaServiceTest, AnotherAccountNeitherReadsNorDeletesIt) {
    auto m = upload(acme_, kPng);
    ASSERT_TRUE(m);
    auto read = service_->get(beta_, m->id.value);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
    auto removed = service_->remove(beta_, m->id.value);
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code, ErrorCode::kNotFound);
    auto listed = service_->list(beta_, {}, db::Paged{});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, 0);
    auto none = db().read(
        [&](db::Connection& c) { return MediaService::find(c, beta_.account_id, m->id.value); });
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    EXPECT_TRUE(service_->get(acme_, m->id.value));
    EXPECT_EQ(file_of(*m), kPng);
}

TEST_P(MediaServiceTest, TheSameContentIsOneFileThatGoesWithItsLastObject) {
    auto a = upload(acme_, kPng, "a.png");
    auto b = upload(acme_, kPng, "b.png");
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->id, b->id);
    EXPECT_EQ(service_->path(*a), service_->path(*b));
    ASSERT_TRUE(service_->remove(acme_, a->id.value));
    EXPECT_TRUE(std::filesystem::exists(service_->path(*b)));
    ASSERT_TRUE(service_->remove(acme_, b->id.value));
    EXPECT_FALSE(std::filesystem::exists(service_->path(*b)));
    EXPECT_EQ(service_->get(acme_, b->id.value).error().code, ErrorCode::kNotFound);
}

TEST_P(MediaServiceTest, AnAgentDeletesOnlyWhatTheyUploaded) {
    Principal agent = acme_;
    agent.role = Role::kAgent;
    agent.user_id = UserId{new_uuid_v7()};
    auto owners = upload(acme_, kPng);
    auto agents = upload(agent, kPng + "z");
    ASSERT_TRUE(owners && agents);
    EXPECT_EQ(service_->remove(agent, owners->id.value).error().code, ErrorCode::kPermissionDenied);
    EXPECT_TRUE(service_->remove(agent, agents->id.value));
}

TEST_P(MediaServiceTest, ASignedUrlOpensOneFileUntilItExpires) {
    auto m = upload(acme_, kPng);
    ASSERT_TRUE(m);
    const auto url = service_->url(*m);
    // "/api/v1/media/<id>/content?expires=<s>&signature=<hex>"
    const auto expires_at = url.url.find("expires=") + 8;
    const std::string expires = url.url.substr(expires_at, url.url.find('&') - expires_at);
    const std::string signature = url.url.substr(url.url.find("signature=") + 10);
    EXPECT_TRUE(url.url.starts_with("/api/v1/media/" + m->id.value + "/content?"));
    auto opened = service_->open_signed(m->id.value, expires, signature);
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(opened->id, m->id);
    // Another object, a changed expiry or signature: refused.
    auto other = upload(beta_, kPng + "q");
    ASSERT_TRUE(other);
    EXPECT_EQ(service_->open_signed(other->id.value, expires, signature).error().error_code,
              "SIGNATURE_INVALID");
    EXPECT_FALSE(
        service_->open_signed(m->id.value, std::to_string(std::stoll(expires) + 3600), signature));
    std::string tampered = signature;
    tampered[0] = tampered[0] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(service_->open_signed(m->id.value, expires, tampered));
    EXPECT_FALSE(service_->open_signed(m->id.value, "99999999999999999999", signature));
    EXPECT_FALSE(service_->open_signed("../../etc", expires, signature));
    // Expired.
    clock_.advance(601 * kMicrosPerSecond);
    EXPECT_EQ(service_->open_signed(m->id.value, expires, signature).error().code,
              ErrorCode::kPermissionDenied);
    // Deleted: the signature no longer opens anything.
    const auto fresh = service_->url(*m);
    ASSERT_TRUE(service_->remove(acme_, m->id.value));
    const auto at = fresh.url.find("expires=") + 8;
    EXPECT_EQ(service_
                  ->open_signed(m->id.value, fresh.url.substr(at, fresh.url.find('&') - at),
                                fresh.url.substr(fresh.url.find("signature=") + 10))
                  .error()
                  .code,
              ErrorCode::kNotFound);
}

TEST_P(MediaServiceTest, AReceivedFileWaitsIsDownloadedOrIsGivenUp) {
    auto expected = db().write([&](db::Connection& c) {
        return MediaService::expect_download(c,
                                             {.account_id = acme_.account_id,
                                              .channel_id = "ch-1",
                                              .source_id = "777",
                                              .mime_type = "image/jpeg",
                                              .filename = "x/../photo.jpg"},
                                             clock_.now());
    });
    ASSERT_TRUE(expected);
    EXPECT_EQ(expected->status, kPending);
    EXPECT_EQ(expected->kind, "image");
    EXPECT_EQ(expected->filename, "photo.jpg");
    // Claimed once: leased while it is tried.
    auto due = service_->claim_downloads(10, 60 * kMicrosPerSecond);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 1u);
    EXPECT_TRUE(service_->claim_downloads(10, 60 * kMicrosPerSecond)->empty());
    // A try fails and is tried again later; then it arrives.
    ASSERT_TRUE(service_->download_failed((*due)[0], "Meta: busy", true));
    EXPECT_TRUE(service_->claim_downloads(10, 60 * kMicrosPerSecond)->empty());
    clock_.advance(kFirstRetry);
    due = service_->claim_downloads(10, 60 * kMicrosPerSecond);
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ((*due)[0].attempts, 1);
    ASSERT_TRUE(service_->downloaded((*due)[0], kPng));
    auto got = service_->get(acme_, expected->id.value);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, kReady);
    EXPECT_EQ(got->mime_type, "image/png");  // by content, not as announced
    EXPECT_EQ(got->size_bytes, static_cast<std::int64_t>(kPng.size()));
    EXPECT_EQ(file_of(*got), kPng);
    EXPECT_FALSE(got->error);
    // Another one is refused for good.
    auto second = db().write([&](db::Connection& c) {
        return MediaService::expect_download(
            c, {.account_id = beta_.account_id, .channel_id = "ch-2", .source_id = "778"},
            clock_.now());
    });
    ASSERT_TRUE(second);
    due = service_->claim_downloads(10, 60 * kMicrosPerSecond);
    ASSERT_EQ(due->size(), 1u);
    ASSERT_TRUE(service_->download_failed((*due)[0], "Meta: no such media", false));
    auto failed = service_->get(beta_, second->id.value);
    EXPECT_EQ(failed->status, kFailed);
    EXPECT_EQ(failed->error, "Meta: no such media");
    clock_.advance(3600 * kMicrosPerSecond);
    EXPECT_TRUE(service_->claim_downloads(10, 60 * kMicrosPerSecond)->empty());
}

TEST_P(MediaServiceTest, ListsNewestFirstWithFilters) {
    ASSERT_TRUE(upload(acme_, kPng));
    clock_.advance(kMicrosPerSecond);
    ASSERT_TRUE(upload(acme_, "%PDF-1.7 a small document", "offer.pdf"));
    auto all = service_->list(acme_, {}, db::Paged{});
    ASSERT_TRUE(all);
    ASSERT_EQ(all->count, 2);
    EXPECT_EQ(all->items[0].kind, "document");
    auto images = service_->list(acme_, {.kind = "image"}, db::Paged{});
    ASSERT_EQ(images->count, 1);
    EXPECT_EQ(images->items[0].mime_type, "image/png");
}

INSTANTIATE_TEST_SUITE_P(Engines, MediaServiceTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::media
