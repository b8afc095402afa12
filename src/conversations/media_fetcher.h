#pragma once
// Downloads the media customers send over WhatsApp (decision 0038): the
// webhook processor registers each file as a pending media object; this
// thread asks the Graph API where the file is (GET /{media-id}), downloads
// it with the channel's token, checks it against Meta's hash and stores it.
// Failures Meta may get over (rate limits, outages, a refused token) are
// tried again with growing waits, others end the object as failed. On
// PostgreSQL nodes share the work (rows leased and skipped).

#include "channels/whatsapp_cloud/graph.h"
#include "core/polling_thread.h"
#include "core/result.h"
#include "db/database.h"
#include "media/service.h"

namespace ujumbe::conversations {

struct FetcherOptions {
    Micros poll = 5 * kMicrosPerSecond;  // between rounds when nothing wakes it
    int batch = 10;                      // files claimed at once
    Micros lease = 300 * kMicrosPerSecond;
};

class MediaFetcher {
public:
    // `secret` opens the channels' credentials.
    MediaFetcher(db::Database& db, media::MediaService& media, std::string secret,
                 channels::whatsapp::GraphApi& graph, FetcherOptions options = {});
    ~MediaFetcher();

    void start();
    void stop();
    // Media was registered.
    void wake();
    // Downloads every file due now; how many were tried. (The thread's round.)
    Result<int> run();

private:
    Status fetch(media::Media m);

    db::Database& db_;
    media::MediaService& media_;
    std::string secret_;
    channels::whatsapp::GraphApi& graph_;
    FetcherOptions options_;
    PollingThread thread_;
};

}  // namespace ujumbe::conversations
