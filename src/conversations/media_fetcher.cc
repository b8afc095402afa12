#include "conversations/media_fetcher.h"

#include "conversations/service.h"
#include "conversations/store.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"

namespace ujumbe::conversations {

namespace {

using json = nlohmann::json;
namespace wa = channels::whatsapp;

// Worth another try: Meta asked to wait, was away, or refused a token the
// account may renew.
bool worth_retrying(const wa::GraphError& e) {
    return e.http_status == 0 || e.transient() || e.auth_failed();
}

}  // namespace

MediaFetcher::MediaFetcher(db::Database& db, media::MediaService& media, std::string secret,
                           wa::GraphApi& graph, FetcherOptions options)
    : db_(db), media_(media), secret_(std::move(secret)), graph_(graph), options_(options) {}

MediaFetcher::~MediaFetcher() {
    stop();
}

void MediaFetcher::start() {
    thread_.start("wa-media", options_.poll, std::chrono::milliseconds(20), [this] {
        if (auto r = run(); !r)
            log::warn("received media not fetched", {{"error", r.error().message}});
    });
}

void MediaFetcher::stop() {
    thread_.stop();
}

void MediaFetcher::wake() {
    thread_.wake();
}

Result<int> MediaFetcher::run() {
    int total = 0;
    for (;;) {
        UJ_ASSIGN(auto due, media_.claim_downloads(options_.batch, options_.lease));
        for (auto& m : due) {
            if (thread_.stopping()) return total;  // the lease ends; another round takes it
            UJ_TRY(fetch(std::move(m)));
            ++total;
        }
        if (static_cast<int>(due.size()) < options_.batch) return total;
    }
}

Status MediaFetcher::fetch(media::Media m) {
    UJ_ASSIGN(auto stored, db_.read([&](db::Connection& c) {
        return store::channel_by_id(c, WhatsAppChannelId{m.channel_id.value_or("")});
    }));
    if (!stored) return media_.download_failed(std::move(m), "the channel no longer exists", false);
    const auto secrets = open_secrets(secret_, stored->sealed);
    if (!secrets)
        return media_.download_failed(std::move(m), "the channel's credentials cannot be opened",
                                      false);
    auto where = graph_.call("GET", m.source_id.value_or(""), secrets->access_token, "");
    if (const auto* e = std::get_if<wa::GraphError>(&where))
        return media_.download_failed(std::move(m), "Meta: " + e->message, worth_retrying(*e));
    const json& doc = std::get<json>(where);
    if (auto size = doc.find("file_size"); size != doc.end() && size->is_number_unsigned() &&
                                           size->get<std::uint64_t>() > media_.max_bytes())
        return media_.download_failed(std::move(m), "the file is larger than the media limit",
                                      false);
    const std::string url = string_at(doc, "url");
    if (url.empty())
        return media_.download_failed(std::move(m), "Meta named no URL for the file", true);
    auto file = graph_.download(url, secrets->access_token);
    if (const auto* e = std::get_if<wa::GraphError>(&file))
        return media_.download_failed(std::move(m), "download: " + e->message, worth_retrying(*e));
    const std::string& bytes = std::get<std::string>(file);
    const std::string expected = string_at(doc, "sha256");
    if (!expected.empty() && expected != to_hex(sha256(bytes)))
        return media_.download_failed(std::move(m), "the file does not match Meta's hash", true);
    return media_.downloaded(std::move(m), bytes);
}

}  // namespace ujumbe::conversations
