#pragma once
// The rules of contacts and audiences (SPEC.md 3.2, seed 001): upsert by
// phone or email, normalisation, consent with history, soft delete, groups,
// segments, and the start of CSV imports. Every call acts on the caller's
// active account only.

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "contacts/keywords.h"
#include "contacts/model.h"
#include "contacts/ports.h"
#include "contacts/store.h"
#include "contacts/unsubscribe_links.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "identity/service.h"

namespace ujumbe::contacts {

using Page = db::Paged;
template <typename T>
using Listing = db::Listing<T>;

// Fields of POST/PUT /contacts as given; the service normalises them.
struct ContactInput {
    std::optional<std::string> name;
    std::optional<std::string> phone;  // any spelling; normalised to E.164
    std::optional<std::string> email;  // already checked and lower-cased
    bool clear_email = false;
    bool clear_phone = false;  // "phone_e164": null
    std::optional<nlohmann::json> attributes;
    std::optional<std::vector<std::string>> tags;
    std::optional<bool> is_active;
    std::optional<bool> is_opted_in;
};

struct Upserted {
    Contact contact;
    bool upserted = false;  // true: an existing contact was updated
};

struct ContactDetail {
    Contact contact;
    std::vector<ConsentEvent> consent_history;  // newest first
};

// Query parameters of GET /contacts before the ids in them are checked.
struct ContactFilter {
    ContactQuery query;
    std::optional<SegmentId> segment_id;
};

struct GroupInput {
    std::optional<std::string> name, description;
};

struct MembersAdded {
    std::int64_t added = 0;
    std::int64_t already_members = 0;
    std::vector<ContactId> not_found;
};

struct SegmentInput {
    std::optional<std::string> name, description;
    std::optional<SegmentRules> rules;
};

struct SegmentPreview {
    std::int64_t contact_count = 0;
    std::vector<Contact> sample;
};

// Where an uploaded CSV is: a spooled file and the byte range of the CSV in
// it (the whole file for text/csv, the file part of a multipart body).
struct UploadedCsv {
    std::string path;
    std::string file_name;
    std::int64_t begin = 0;
    std::int64_t end = 0;
};

class ContactsService {
public:
    ContactsService(db::Database& db, Clock& clock, identity::IdentityService& identity,
                    std::string spool_dir, ContactsPorts ports = {});

    // ---- contacts
    Result<Upserted> upsert(const Principal& who, const ContactInput& in);
    Result<ContactDetail> get(const Principal& who, const ContactId& id);
    Result<Contact> update(const Principal& who, const ContactId& id, const ContactInput& in);
    Status remove(const Principal& who, const ContactId& id);
    Result<Contact> set_consent(const Principal& who, const ContactId& id, bool opt_in,
                                const std::string& channel,
                                const std::optional<std::string>& reason);
    Result<Listing<Contact>> list(const Principal& who, const ContactFilter& filter, Page page);
    // The filter with its group and segment checked and the segment's rules in.
    Result<ContactQuery> resolve(const Principal& who, const ContactFilter& filter);
    // One keyset page of the export (the query comes from resolve()).
    Result<std::vector<Contact>> export_page(const Principal& who, const ContactQuery& q,
                                             const std::optional<store::ExportCursor>& after,
                                             int limit);

    // The caller's live contacts among `ids` (the unknown and deleted are
    // left out), in no particular order.
    Result<std::vector<Contact>> contacts_by_ids(const Principal& who,
                                                 const std::vector<ContactId>& ids);

    // ---- groups
    Result<Group> create_group(const Principal& who, const GroupInput& in);
    Result<Group> get_group(const Principal& who, const GroupId& id);
    Result<Listing<Group>> list_groups(const Principal& who,
                                       const std::optional<std::string>& search, Page page);
    Result<Group> update_group(const Principal& who, const GroupId& id, const GroupInput& in);
    Status delete_group(const Principal& who, const GroupId& id);
    Result<MembersAdded> add_members(const Principal& who, const GroupId& group_id,
                                     const std::vector<ContactId>& contact_ids);
    Result<std::int64_t> remove_members(const Principal& who, const GroupId& group_id,
                                        const std::vector<ContactId>& contact_ids);

    // ---- segments
    Result<Segment> create_segment(const Principal& who, const SegmentInput& in);
    Result<Segment> get_segment(const Principal& who, const SegmentId& id);
    Result<Listing<Segment>> list_segments(const Principal& who,
                                           const std::optional<std::string>& search, Page page);
    Result<Segment> update_segment(const Principal& who, const SegmentId& id,
                                   const SegmentInput& in);
    Status delete_segment(const Principal& who, const SegmentId& id);
    Result<Segment> update_segment_count(const Principal& who, const SegmentId& id);
    Result<SegmentPreview> preview_segment(const Principal& who, const SegmentRules& rules);

    // ---- imports
    // Reads the header (400 naming `file` when it has no phone or email
    // column or is not CSV), moves the upload into the spool and queues the
    // job.
    Result<ImportJob> start_import(const Principal& who, const UploadedCsv& upload,
                                   const ImportOptions& options);
    Result<ImportJob> get_import(const Principal& who, const ImportJobId& id);
    Result<Listing<ImportJob>> list_imports(const Principal& who, Page page);
    Result<std::vector<ImportRowError>> import_errors(const Principal& who,
                                                      const ImportJobId& import_id,
                                                      std::int64_t after_line, int limit);

    // The country used for numbers written without a country code.
    Result<std::string> phone_country(const Principal& who);
    // An inbound keyword from `phone` (E.164) that came on `channel` (sms,
    // whatsapp): one of the account's keywords (keywords.h) opts the
    // contact with that number out (created when unknown, so the number
    // stays refused) or back in, on every channel or on that one as the
    // keyword says, recorded with source "keyword". Returns the keyword when
    // consent changed (its reply is the caller's to send); nothing when the
    // text is no keyword or the state is already so. Runs in the caller's
    // transaction.
    Result<std::optional<Keyword>> apply_keyword(db::Connection& c, const AccountId& account,
                                                 const std::string& phone, const std::string& text,
                                                 const std::string& channel = "sms");
    // The account's keywords (the defaults until it sets its own), and a
    // new list (owners and admins).
    Result<std::vector<Keyword>> keywords(const Principal& who);
    Result<std::vector<Keyword>> set_keywords(const Principal& who,
                                              const std::vector<Keyword>& keywords);
    // The account's contact with this phone number (E.164) or, for an
    // address with '@', this email address; in the caller's transaction.
    Result<std::optional<Contact>> contact_by_address(db::Connection& c, const AccountId& account,
                                                      const std::string& address);
    // The account's contact with `phone` (E.164), if any (in the caller's transaction).
    Result<std::optional<ContactId>> contact_id_by_phone(db::Connection& c,
                                                         const AccountId& account,
                                                         const std::string& phone);
    // Which of `addresses` belong to contacts of the account who opted out
    // of `channel` (or of all): phone numbers (E.164), or for channel email
    // lower-cased email addresses. For the send path: it reads on the
    // caller's connection.
    Result<std::unordered_set<std::string>> opted_out(db::Connection& c, const AccountId& account,
                                                      const std::vector<std::string>& addresses,
                                                      const std::string& channel);
    // The recipient of a mail followed its unsubscribe link: the account's
    // contact with that address is opted out of email (created when
    // unknown, so the address stays refused), recorded with source
    // "unsubscribe" and `how` as the reason. The account's name, for the
    // page that says so; 404 when the account is gone.
    Result<std::string> unsubscribe(const UnsubscribeTarget& target, const std::string& how);
    // The account's name, for the page that asks to confirm (404 when gone).
    Result<std::string> unsubscribe_account_name(const UnsubscribeTarget& target);

private:
    Result<Contact> find_contact(db::Connection& c, const Principal& who, const ContactId& id);
    Result<Group> find_group(db::Connection& c, const Principal& who, const GroupId& id);
    Result<Segment> find_segment(db::Connection& c, const Principal& who, const SegmentId& id);
    // Applies `in` to `contact`; `merge` is POST's upsert (attributes merged,
    // tags added), otherwise PUT's replace. Records a consent change.
    // What apply_input changed beyond the contact's own columns; the consent
    // event is stored by the caller once the contact row exists.
    struct Applied {
        bool tags_changed = false;
        std::optional<ConsentEvent> consent;
    };
    Result<Applied> apply_input(db::Connection& c, const Principal& who, Contact& contact,
                                const ContactInput& in, const std::optional<std::string>& phone,
                                bool merge);
    // Stores the contact (insert or update) and then its consent event.
    Status save(db::Connection& c, const Principal& who, const Contact& contact,
                const Applied& applied, bool is_new);

    db::Database& db_;
    Clock& clock_;
    identity::IdentityService& identity_;
    std::string spool_dir_;
    ContactsPorts ports_;
};

// A consent change applied to the contact, as the history entry to store.
ConsentEvent change_consent(Contact& contact, bool opt_in, const std::string& channel,
                            const std::string& source, const std::optional<std::string>& reason,
                            const std::optional<UserId>& actor, Micros now);

}  // namespace ujumbe::contacts
