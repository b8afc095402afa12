#pragma once
// SQL of the contacts module: the only place its tables appear. Every
// function takes the tenant's account id and never touches another
// account's rows; a soft-deleted contact is invisible here.

#include <optional>
#include <string>
#include <vector>

#include "contacts/model.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/store_support.h"

namespace ujumbe::contacts::store {

using db::Connection;
using db::Paged;

// ---- contacts
Status insert_contact(Connection& c, const Contact& contact);
// Writes every column; rewrites the tag rows when `tags_changed`.
Status update_contact(Connection& c, const Contact& contact, bool tags_changed);
// Refreshes the planner's statistics of the contact tables (PostgreSQL;
// SQLite plans without them). An import calls it as the table grows: plans
// made for a table thought empty scan every row of it.
Status refresh_statistics(Connection& c);
// After a large import, outside any transaction: PostgreSQL's VACUUM marks
// the new rows all-visible, so counts over tag rows read the index alone.
Status tidy_after_import(Connection& c);
// PostgreSQL keeps contact_counts with statement triggers, which lock the
// account's counter row until commit. An import batch defers that for its
// transaction and adds its new contacts at the end (count_deferred_contacts),
// so two batches can write at once. SQLite: both do nothing (row triggers).
Status defer_contact_counts(Connection& c);
Status count_deferred_contacts(Connection& c, const AccountId& account, std::int64_t created);
// Clears a contact's email ahead of a batch in which another contact takes it.
Status release_email(Connection& c, const AccountId& account, const ContactId& id);
Status soft_delete_contact(Connection& c, const AccountId& account, const ContactId& id,
                           Micros now);
Result<std::optional<Contact>> find_contact(Connection& c, const AccountId& account,
                                            const ContactId& id);
Result<std::optional<Contact>> find_by_phone(Connection& c, const AccountId& account,
                                             const std::string& phone_e164);
Result<std::optional<Contact>> find_by_email(Connection& c, const AccountId& account,
                                             const std::string& email);
Result<db::Listing<Contact>> list_contacts(Connection& c, const AccountId& account,
                                           const ContactQuery& q, Paged page);
Result<std::int64_t> count_contacts(Connection& c, const AccountId& account, const ContactQuery& q);

// Keyset pages for the export, in (created_at, id) order: the contacts after
// `after` (created_at, id), at most `limit`.
struct ExportCursor {
    Micros created_at = 0;
    std::string id;
};
Result<std::vector<Contact>> export_page(Connection& c, const AccountId& account,
                                         const ContactQuery& q,
                                         const std::optional<ExportCursor>& after, int limit);

// ---- batches (CSV import)
// Live contacts holding any of the phones or emails ("" entries are padding).
Result<std::vector<Contact>> find_matching(Connection& c, const AccountId& account,
                                           const std::vector<std::string>& phones,
                                           const std::vector<std::string>& emails);
Status insert_contacts(Connection& c, const std::vector<const Contact*>& contacts);

// ---- consent
// The account's keywords as stored (JSON), nullopt when it set none.
Result<std::optional<std::string>> keywords_of(Connection& c, const AccountId& account);
Status save_keywords(Connection& c, const AccountId& account, const std::string& keywords,
                     const std::optional<UserId>& by, Micros at);
Status insert_consent(Connection& c, const AccountId& account, const ConsentEvent& e);
Result<std::vector<ConsentEvent>> recent_consents(Connection& c, const AccountId& account,
                                                  const ContactId& contact_id, int limit);

// ---- groups
Status insert_group(Connection& c, const Group& g);
Status update_group(Connection& c, const Group& g);
Status delete_group(Connection& c, const AccountId& account, const GroupId& id);
Result<std::optional<Group>> find_group(Connection& c, const AccountId& account, const GroupId& id);
Result<db::Listing<Group>> list_groups(Connection& c, const AccountId& account,
                                       const std::optional<std::string>& search, Paged page);
// Of `ids`, those that are live contacts of the account.
Result<std::vector<ContactId>> live_contact_ids(Connection& c, const AccountId& account,
                                                const std::vector<ContactId>& ids);
// The live contacts among `ids`, in no particular order.
Result<std::vector<Contact>> live_contacts(Connection& c, const AccountId& account,
                                           const std::vector<ContactId>& ids);
// Members added (those already in the group are left alone).
Result<std::int64_t> add_members(Connection& c, const GroupId& group_id,
                                 const std::vector<ContactId>& contact_ids, Micros now);
Result<std::int64_t> remove_members(Connection& c, const GroupId& group_id,
                                    const std::vector<ContactId>& contact_ids);

// ---- segments
Status insert_segment(Connection& c, const Segment& s);
Status update_segment(Connection& c, const Segment& s);
Status delete_segment(Connection& c, const AccountId& account, const SegmentId& id);
Result<std::optional<Segment>> find_segment(Connection& c, const AccountId& account,
                                            const SegmentId& id);
Result<db::Listing<Segment>> list_segments(Connection& c, const AccountId& account,
                                           const std::optional<std::string>& search, Paged page);

// ---- imports
Status insert_import(Connection& c, const ImportJob& job);
// Progress, counters, status and error: everything a batch changes.
Status save_import(Connection& c, const ImportJob& job);
Result<std::optional<ImportJob>> find_import(Connection& c, const AccountId& account,
                                             const ImportJobId& id);
Result<db::Listing<ImportJob>> list_imports(Connection& c, const AccountId& account, Paged page);
// Jobs not finished (pending or running), oldest first, of every account.
Result<std::vector<ImportJob>> unfinished_imports(Connection& c);
// pending -> running; false when another runner took it first.
Result<bool> claim_import(Connection& c, const ImportJobId& id, Micros now);
Status insert_import_errors(Connection& c, const ImportJobId& import_id,
                            const std::vector<ImportRowError>& errors);
// Error rows after `after_line`, at most `limit`, in line order.
Result<std::vector<ImportRowError>> import_errors(Connection& c, const ImportJobId& import_id,
                                                  std::int64_t after_line, int limit);

}  // namespace ujumbe::contacts::store
