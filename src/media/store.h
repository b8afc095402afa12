#pragma once
// SQL of media objects, always within one account (but for the downloads
// of received files, which the fetcher claims across accounts).

#include <optional>
#include <string>
#include <vector>

#include "db/connection.h"
#include "db/store_support.h"
#include "media/model.h"

namespace ujumbe::media::store {

using db::Connection;

Status insert_media(Connection& c, const Media& m);
Result<std::optional<Media>> find_media(Connection& c, const AccountId& account, const MediaId& id);
// For the signed URL, which names no account.
Result<std::optional<Media>> find_media_any_account(Connection& c, const MediaId& id);
Result<db::Listing<Media>> list_media(Connection& c, const AccountId& account, const MediaQuery& q,
                                      const db::Paged& page);
Status delete_media(Connection& c, const AccountId& account, const MediaId& id);
// The bytes of all the account's files (its quota's use).
Result<std::int64_t> bytes_of_account(Connection& c, const AccountId& account);
// The bytes of the account's uploads still stored, per UTC day of upload
// and uploading user ('' for none), over the days [first_day, past_day).
Result<std::vector<DailyBytes>> uploaded_bytes(Connection& c, const AccountId& account,
                                               std::int64_t first_day, std::int64_t past_day);
// Other media objects of the account holding the same file.
Result<std::int64_t> count_sharing_file(Connection& c, const AccountId& account,
                                        const std::string& sha256);

// Received files due for a try, oldest first, each leased until `lease_until`
// (PostgreSQL: rows other nodes hold are skipped).
Result<std::vector<Media>> claim_downloads(Connection& c, Micros now, Micros lease_until,
                                           int limit);
// The outcome of a try: every field of the download (status, type, hash,
// size, tries, next try, error).
Status update_download(Connection& c, const Media& m);

}  // namespace ujumbe::media::store
