#include "contacts/service.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "contacts/import_columns.h"
#include "contacts/normalize.h"
#include "core/ids.h"
#include "formats/phone.h"

namespace ujumbe::contacts {

namespace {

using json = nlohmann::json;

constexpr int kConsentHistoryShown = 100;
constexpr int kPreviewSample = 10;

Error contact_not_found() {
    return Error::not_found("Contact");
}

Error field_conflict(const std::string& field, const std::string& what) {
    Error e = Error::conflict("CONFLICT", "Another contact has this " + what + ".");
    e.errors[field].push_back("Belongs to another contact.");
    return e;
}

// The unique indexes are the last word when two writers race.
template <typename T>
Result<T> name_conflict_as(Result<T> r, const std::string& what) {
    if (!r && r.error().error_code == "UNIQUE_VIOLATION") {
        Error e = Error::conflict("CONFLICT", "A " + what + " with this name exists.");
        e.errors["name"].push_back("Already used in this account.");
        return e;
    }
    return r;
}

Status check_tags_and_attributes(const ContactInput& in, std::vector<std::string>* tags) {
    if (in.tags) {
        std::string problem;
        auto normal = normalize_tags(*in.tags, &problem);
        if (!normal) return Error::invalid("tags", problem);
        *tags = std::move(*normal);
    }
    if (in.attributes)
        if (auto p = check_attributes(*in.attributes)) return Error::invalid(p->field, p->problem);
    return {};
}

}  // namespace

const std::vector<std::string>& consent_channels() {
    static const std::vector<std::string> channels = {"email", "sms", "whatsapp"};
    return channels;
}

bool Contact::refuses(const std::string& channel) const {
    return opted_out_of_all() || std::find(opted_out_channels.begin(), opted_out_channels.end(),
                                           channel) != opted_out_channels.end();
}

ConsentEvent change_consent(Contact& contact, bool opt_in, const std::string& channel,
                            const std::string& source, const std::optional<std::string>& reason,
                            const std::optional<UserId>& actor, Micros now) {
    auto& one_by_one = contact.opted_out_channels;
    if (channel == "all") {
        contact.is_opted_in = opt_in;
        if (opt_in) {
            one_by_one.clear();  // consent to every channel
            contact.opt_in_at = now;
            contact.opt_out_reason.reset();
        } else {
            contact.opt_out_at = now;
            contact.opt_out_reason = reason;
        }
    } else if (opt_in) {
        // In on one channel while out of all (or never in): in on this one
        // only, out of the others one by one.
        if (!contact.is_opted_in) {
            add_tags(one_by_one, consent_channels());
            contact.is_opted_in = true;
        }
        std::erase(one_by_one, channel);
        contact.opt_in_at = now;
    } else {
        // One channel: the history says when and why; the all-channels
        // fields stay as they are.
        add_tags(one_by_one, {channel});
    }
    contact.updated_at = now;
    return ConsentEvent{new_uuid_v7(), contact.id, opt_in ? "opt_in" : "opt_out",
                        channel,       source,     reason,
                        actor,         now};
}

ContactsService::ContactsService(db::Database& db, Clock& clock,
                                 identity::IdentityService& identity, std::string spool_dir,
                                 ContactsPorts ports)
    : db_(db),
      clock_(clock),
      identity_(identity),
      spool_dir_(std::move(spool_dir)),
      ports_(ports) {}

Result<std::string> ContactsService::phone_country(const Principal& who) {
    UJ_ASSIGN(auto account, identity_.current_account(who));
    return account.default_country.empty() ? account.country : account.default_country;
}

namespace {}  // namespace

Result<std::optional<ContactId>> ContactsService::contact_id_by_phone(db::Connection& c,
                                                                      const AccountId& account,
                                                                      const std::string& phone) {
    UJ_ASSIGN(auto found, store::find_by_phone(c, account, phone));
    if (!found) return std::optional<ContactId>{};
    return std::optional<ContactId>{found->id};
}

Result<std::optional<Keyword>> ContactsService::apply_keyword(db::Connection& c,
                                                              const AccountId& account,
                                                              const std::string& phone,
                                                              const std::string& text,
                                                              const std::string& channel) {
    // Most messages are longer than any keyword: no read for them.
    if (text.size() > 2 * kMaxKeywordChars) return std::optional<Keyword>{};
    UJ_ASSIGN(auto stored, store::keywords_of(c, account));
    const auto keyword =
        match_keyword(stored ? keywords_from_stored(*stored) : default_keywords(), text);
    if (!keyword) return std::optional<Keyword>{};
    UJ_ASSIGN(auto found, store::find_by_phone(c, account, phone));
    const Micros now = clock_.now();
    const bool opt_in = keyword->opt_in;
    if (!found && opt_in) return std::optional<Keyword>{};  // START from a stranger changes nothing
    const std::string scope = keyword->all_channels ? "all" : channel;
    const bool is_new = !found;
    Contact contact;
    if (found) {
        contact = std::move(*found);
        const bool refused = scope == "all" ? contact.opted_out_of_all() : contact.refuses(scope);
        const bool welcome = scope == "all"
                                 ? contact.is_opted_in && contact.opted_out_channels.empty()
                                 : !contact.refuses(scope);
        if (opt_in ? welcome : refused) return std::optional<Keyword>{};
    } else {
        contact.id = ContactId{new_uuid_v7(now)};
        contact.account_id = account;
        contact.phone_e164 = phone;
        contact.created_at = now;
    }
    auto event =
        change_consent(contact, opt_in, scope, consent_source::kKeyword,
                       "inbound " + keyword->keyword + " on " + channel, std::nullopt, now);
    UJ_TRY(is_new ? store::insert_contact(c, contact) : store::update_contact(c, contact, false));
    UJ_TRY(store::insert_consent(c, account, event));
    return keyword;
}

Result<std::vector<Keyword>> ContactsService::keywords(const Principal& who) {
    UJ_ASSIGN(auto stored,
              db_.read([&](db::Connection& c) { return store::keywords_of(c, who.account_id); }));
    return stored ? keywords_from_stored(*stored) : default_keywords();
}

Result<std::vector<Keyword>> ContactsService::set_keywords(const Principal& who,
                                                           const std::vector<Keyword>& keywords) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins set the keywords");
    const std::string stored = keywords_json(keywords).dump();
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::save_keywords(c, who.account_id, stored, who.user_id, clock_.now());
    }));
    return keywords;
}

Result<std::unordered_set<std::string>> ContactsService::opted_out(
    db::Connection& c, const AccountId& account, const std::vector<std::string>& addresses,
    const std::string& channel) {
    const bool by_email = channel == "email";
    UJ_ASSIGN(auto found, by_email ? store::find_matching(c, account, {}, addresses)
                                   : store::find_matching(c, account, addresses, {}));
    std::unordered_set<std::string> out;
    for (const auto& contact : found) {
        const auto& address = by_email ? contact.email : contact.phone_e164;
        if (address && contact.refuses(channel)) out.insert(*address);
    }
    return out;
}

Result<std::optional<Contact>> ContactsService::contact_by_address(db::Connection& c,
                                                                   const AccountId& account,
                                                                   const std::string& address) {
    if (address.find('@') != std::string::npos) return store::find_by_email(c, account, address);
    return store::find_by_phone(c, account, address);
}

Result<std::string> ContactsService::unsubscribe_account_name(const UnsubscribeTarget& target) {
    UJ_ASSIGN(auto account, identity_.account_by_id(target.account_id));
    return account.name;
}

Result<std::string> ContactsService::unsubscribe(const UnsubscribeTarget& target,
                                                 const std::string& how) {
    UJ_ASSIGN(auto name, unsubscribe_account_name(target));
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_by_email(c, target.account_id, target.address));
        const Micros now = clock_.now();
        const bool is_new = !found;
        Contact contact;
        if (found) {
            contact = std::move(*found);
            if (contact.refuses("email")) return {};  // a second click changes nothing
        } else {
            contact.id = ContactId{new_uuid_v7(now)};
            contact.account_id = target.account_id;
            contact.email = target.address;
            contact.created_at = now;
        }
        auto event = change_consent(contact, false, "email", consent_source::kUnsubscribe, how,
                                    std::nullopt, now);
        UJ_TRY(is_new ? store::insert_contact(c, contact)
                      : store::update_contact(c, contact, false));
        return store::insert_consent(c, target.account_id, event);
    }));
    return name;
}

Result<Contact> ContactsService::find_contact(db::Connection& c, const Principal& who,
                                              const ContactId& id) {
    UJ_ASSIGN(auto found, store::find_contact(c, who.account_id, id));
    if (!found) return contact_not_found();
    return std::move(*found);
}

Result<ContactsService::Applied> ContactsService::apply_input(
    db::Connection& c, const Principal& who, Contact& contact, const ContactInput& in,
    const std::optional<std::string>& phone, bool merge) {
    Applied applied;
    std::vector<std::string> tags;
    UJ_TRY(check_tags_and_attributes(in, &tags));
    const Micros now = clock_.now();
    if (phone && phone != contact.phone_e164) {
        UJ_ASSIGN(auto holder, store::find_by_phone(c, who.account_id, *phone));
        if (holder && holder->id != contact.id) return field_conflict("phone_e164", "phone");
        contact.phone_e164 = phone;
    }
    if (in.email && in.email != contact.email) {
        UJ_ASSIGN(auto holder, store::find_by_email(c, who.account_id, *in.email));
        if (holder && holder->id != contact.id) return field_conflict("email", "email");
        contact.email = in.email;
    }
    if (in.clear_phone) {
        if (!contact.email)
            return Error::invalid("phone_e164", "A contact needs a phone or an email.");
        contact.phone_e164.reset();
    }
    if (in.clear_email) {
        if (!contact.phone_e164)
            return Error::invalid("email", "A contact needs a phone or an email.");
        contact.email.reset();
    }
    if (in.name) contact.name = *in.name;
    if (in.attributes) {
        if (merge) {
            for (const auto& [k, v] : in.attributes->items()) contact.attributes[k] = v;
            if (auto p = check_attributes(contact.attributes))
                return Error::invalid(p->field, p->problem);
        } else {
            contact.attributes = *in.attributes;
        }
    }
    if (in.tags) {
        auto before = contact.tags;
        if (merge)
            add_tags(contact.tags, tags);
        else
            contact.tags = tags;
        if (contact.tags.size() > kMaxTags)
            return Error::invalid("tags", "At most " + std::to_string(kMaxTags) + " tags.");
        applied.tags_changed = contact.tags != before;
    }
    if (in.is_active) contact.is_active = *in.is_active;
    contact.updated_at = now;
    if (in.is_opted_in && *in.is_opted_in != contact.is_opted_in)
        applied.consent = change_consent(contact, *in.is_opted_in, "all", consent_source::kApi,
                                         std::nullopt, who.user_id, now);
    return applied;
}

Status ContactsService::save(db::Connection& c, const Principal& who, const Contact& contact,
                             const Applied& applied, bool is_new) {
    if (is_new) {
        UJ_TRY(store::insert_contact(c, contact));
    } else {
        UJ_TRY(store::update_contact(c, contact, applied.tags_changed));
    }
    if (applied.consent) UJ_TRY(store::insert_consent(c, who.account_id, *applied.consent));
    return {};
}

Result<Upserted> ContactsService::upsert(const Principal& who, const ContactInput& in) {
    std::optional<std::string> phone;
    if (in.phone) {
        UJ_ASSIGN(auto country, phone_country(who));
        std::string problem;
        phone = formats::normalize_phone(*in.phone, country, &problem);
        if (!phone) return Error::invalid("phone_e164", problem);
    }
    if (!phone && !in.email)
        return Error::invalid("phone_e164", "A contact needs a phone or an email.");
    {
        std::vector<std::string> tags;
        UJ_TRY(check_tags_and_attributes(in, &tags));
    }
    return db_.write([&](db::Connection& c) -> Result<Upserted> {
        std::optional<Contact> existing;
        if (phone) {
            UJ_ASSIGN(existing, store::find_by_phone(c, who.account_id, *phone));
        }
        if (!existing && in.email) {
            UJ_ASSIGN(existing, store::find_by_email(c, who.account_id, *in.email));
        }
        if (existing) {
            UJ_ASSIGN(auto applied, apply_input(c, who, *existing, in, phone, true));
            UJ_TRY(save(c, who, *existing, applied, false));
            return Upserted{std::move(*existing), true};
        }
        Contact contact;
        contact.id = ContactId{new_uuid_v7()};
        contact.account_id = who.account_id;
        contact.created_at = clock_.now();
        UJ_ASSIGN(auto applied, apply_input(c, who, contact, in, phone, false));
        if (ports_.limits) {
            UJ_ASSIGN(auto count, store::count_contacts(c, who.account_id, {}));
            UJ_TRY(ports_.limits->check_contact_limit(who.account_id, count));
        }
        UJ_TRY(save(c, who, contact, applied, true));
        return Upserted{std::move(contact), false};
    });
}

Result<ContactDetail> ContactsService::get(const Principal& who, const ContactId& id) {
    return db_.read([&](db::Connection& c) -> Result<ContactDetail> {
        UJ_ASSIGN(auto contact, find_contact(c, who, id));
        UJ_ASSIGN(auto history,
                  store::recent_consents(c, who.account_id, id, kConsentHistoryShown));
        return ContactDetail{std::move(contact), std::move(history)};
    });
}

Result<Contact> ContactsService::update(const Principal& who, const ContactId& id,
                                        const ContactInput& in) {
    std::optional<std::string> phone;
    if (in.phone) {
        UJ_ASSIGN(auto country, phone_country(who));
        std::string problem;
        phone = formats::normalize_phone(*in.phone, country, &problem);
        if (!phone) return Error::invalid("phone_e164", problem);
    }
    return db_.write([&](db::Connection& c) -> Result<Contact> {
        UJ_ASSIGN(auto contact, find_contact(c, who, id));
        UJ_ASSIGN(auto applied, apply_input(c, who, contact, in, phone, false));
        UJ_TRY(save(c, who, contact, applied, false));
        return contact;
    });
}

Status ContactsService::remove(const Principal& who, const ContactId& id) {
    return db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(find_contact(c, who, id));
        return store::soft_delete_contact(c, who.account_id, id, clock_.now());
    });
}

Result<Contact> ContactsService::set_consent(const Principal& who, const ContactId& id, bool opt_in,
                                             const std::string& channel,
                                             const std::optional<std::string>& reason) {
    return db_.write([&](db::Connection& c) -> Result<Contact> {
        UJ_ASSIGN(auto contact, find_contact(c, who, id));
        auto event = change_consent(contact, opt_in, channel, consent_source::kApi, reason,
                                    who.user_id, clock_.now());
        UJ_TRY(store::insert_consent(c, who.account_id, event));
        UJ_TRY(store::update_contact(c, contact, false));
        return contact;
    });
}

Result<ContactQuery> ContactsService::resolve(const Principal& who, const ContactFilter& filter) {
    ContactQuery q = filter.query;
    return db_.read([&](db::Connection& c) -> Result<ContactQuery> {
        if (q.group_id) UJ_TRY(find_group(c, who, *q.group_id));
        if (filter.segment_id) {
            UJ_ASSIGN(auto segment, find_segment(c, who, *filter.segment_id));
            q.segment = segment.rules;
        }
        return q;
    });
}

Result<Listing<Contact>> ContactsService::list(const Principal& who, const ContactFilter& filter,
                                               Page page) {
    UJ_ASSIGN(auto q, resolve(who, filter));
    return db_.read(
        [&](db::Connection& c) { return store::list_contacts(c, who.account_id, q, page); });
}

Result<std::vector<Contact>> ContactsService::export_page(
    const Principal& who, const ContactQuery& q, const std::optional<store::ExportCursor>& after,
    int limit) {
    return db_.read(
        [&](db::Connection& c) { return store::export_page(c, who.account_id, q, after, limit); });
}

Result<std::vector<Contact>> ContactsService::contacts_by_ids(const Principal& who,
                                                              const std::vector<ContactId>& ids) {
    return db_.read(
        [&](db::Connection& c) { return store::live_contacts(c, who.account_id, ids); });
}

// ---- groups

Result<Group> ContactsService::find_group(db::Connection& c, const Principal& who,
                                          const GroupId& id) {
    UJ_ASSIGN(auto found, store::find_group(c, who.account_id, id));
    if (!found) return Error::not_found("Group");
    return std::move(*found);
}

Result<Group> ContactsService::create_group(const Principal& who, const GroupInput& in) {
    Group g;
    g.id = GroupId{new_uuid_v7()};
    g.account_id = who.account_id;
    g.name = in.name.value_or("");
    g.description = in.description.value_or("");
    g.created_at = g.updated_at = clock_.now();
    return name_conflict_as(db_.write([&](db::Connection& c) -> Result<Group> {
        UJ_TRY(store::insert_group(c, g));
        return g;
    }),
                            "group");
}

Result<Group> ContactsService::get_group(const Principal& who, const GroupId& id) {
    return db_.read([&](db::Connection& c) { return find_group(c, who, id); });
}

Result<Listing<Group>> ContactsService::list_groups(const Principal& who,
                                                    const std::optional<std::string>& search,
                                                    Page page) {
    return db_.read(
        [&](db::Connection& c) { return store::list_groups(c, who.account_id, search, page); });
}

Result<Group> ContactsService::update_group(const Principal& who, const GroupId& id,
                                            const GroupInput& in) {
    return name_conflict_as(db_.write([&](db::Connection& c) -> Result<Group> {
        UJ_ASSIGN(auto g, find_group(c, who, id));
        if (in.name) g.name = *in.name;
        if (in.description) g.description = *in.description;
        g.updated_at = clock_.now();
        UJ_TRY(store::update_group(c, g));
        return g;
    }),
                            "group");
}

Status ContactsService::delete_group(const Principal& who, const GroupId& id) {
    return db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(find_group(c, who, id));
        return store::delete_group(c, who.account_id, id);
    });
}

Result<MembersAdded> ContactsService::add_members(const Principal& who, const GroupId& group_id,
                                                  const std::vector<ContactId>& contact_ids) {
    std::vector<ContactId> ids = contact_ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return db_.write([&](db::Connection& c) -> Result<MembersAdded> {
        UJ_TRY(find_group(c, who, group_id));
        UJ_ASSIGN(auto live, store::live_contact_ids(c, who.account_id, ids));
        std::sort(live.begin(), live.end());
        MembersAdded out;
        std::set_difference(ids.begin(), ids.end(), live.begin(), live.end(),
                            std::back_inserter(out.not_found));
        UJ_ASSIGN(out.added, store::add_members(c, group_id, live, clock_.now()));
        out.already_members = static_cast<std::int64_t>(live.size()) - out.added;
        return out;
    });
}

Result<std::int64_t> ContactsService::remove_members(const Principal& who, const GroupId& group_id,
                                                     const std::vector<ContactId>& contact_ids) {
    return db_.write([&](db::Connection& c) -> Result<std::int64_t> {
        UJ_TRY(find_group(c, who, group_id));
        return store::remove_members(c, group_id, contact_ids);
    });
}

// ---- segments

Result<Segment> ContactsService::find_segment(db::Connection& c, const Principal& who,
                                              const SegmentId& id) {
    UJ_ASSIGN(auto found, store::find_segment(c, who.account_id, id));
    if (!found) return Error::not_found("Segment");
    return std::move(*found);
}

Result<Segment> ContactsService::create_segment(const Principal& who, const SegmentInput& in) {
    Segment s;
    s.id = SegmentId{new_uuid_v7()};
    s.account_id = who.account_id;
    s.name = in.name.value_or("");
    s.description = in.description.value_or("");
    s.rules = in.rules.value_or(SegmentRules{});
    s.created_at = s.updated_at = clock_.now();
    return name_conflict_as(db_.write([&](db::Connection& c) -> Result<Segment> {
        ContactQuery q;
        q.segment = s.rules;
        UJ_ASSIGN(s.contact_count, store::count_contacts(c, who.account_id, q));
        s.counted_at = s.created_at;
        UJ_TRY(store::insert_segment(c, s));
        return s;
    }),
                            "segment");
}

Result<Segment> ContactsService::get_segment(const Principal& who, const SegmentId& id) {
    return db_.read([&](db::Connection& c) { return find_segment(c, who, id); });
}

Result<Listing<Segment>> ContactsService::list_segments(const Principal& who,
                                                        const std::optional<std::string>& search,
                                                        Page page) {
    return db_.read(
        [&](db::Connection& c) { return store::list_segments(c, who.account_id, search, page); });
}

Result<Segment> ContactsService::update_segment(const Principal& who, const SegmentId& id,
                                                const SegmentInput& in) {
    return name_conflict_as(db_.write([&](db::Connection& c) -> Result<Segment> {
        UJ_ASSIGN(auto s, find_segment(c, who, id));
        if (in.name) s.name = *in.name;
        if (in.description) s.description = *in.description;
        if (in.rules) s.rules = *in.rules;
        s.updated_at = clock_.now();
        UJ_TRY(store::update_segment(c, s));
        return s;
    }),
                            "segment");
}

Status ContactsService::delete_segment(const Principal& who, const SegmentId& id) {
    return db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(find_segment(c, who, id));
        return store::delete_segment(c, who.account_id, id);
    });
}

Result<Segment> ContactsService::update_segment_count(const Principal& who, const SegmentId& id) {
    return db_.write([&](db::Connection& c) -> Result<Segment> {
        UJ_ASSIGN(auto s, find_segment(c, who, id));
        ContactQuery q;
        q.segment = s.rules;
        UJ_ASSIGN(s.contact_count, store::count_contacts(c, who.account_id, q));
        s.counted_at = s.updated_at = clock_.now();
        UJ_TRY(store::update_segment(c, s));
        return s;
    });
}

Result<SegmentPreview> ContactsService::preview_segment(const Principal& who,
                                                        const SegmentRules& rules) {
    return db_.read([&](db::Connection& c) -> Result<SegmentPreview> {
        ContactQuery q;
        q.segment = rules;
        UJ_ASSIGN(auto page, store::list_contacts(c, who.account_id, q, Page{kPreviewSample, 0}));
        return SegmentPreview{page.count, std::move(page.items)};
    });
}

// ---- imports

Result<ImportJob> ContactsService::start_import(const Principal& who, const UploadedCsv& upload,
                                                const ImportOptions& options) {
    UJ_ASSIGN(auto header, read_csv_header(upload.path, upload.begin, upload.end));
    UJ_ASSIGN(auto columns, resolve_columns(header, options.mapping));
    if (ports_.limits) {
        UJ_ASSIGN(auto count, db_.read([&](db::Connection& c) {
            return store::count_contacts(c, who.account_id, {});
        }));
        UJ_TRY(ports_.limits->check_contact_limit(who.account_id, count));
    }
    ImportJob job;
    job.id = ImportJobId{new_uuid_v7()};
    job.account_id = who.account_id;
    job.created_by = who.user_id;
    job.file_name = upload.file_name;
    job.byte_begin = upload.begin;
    job.byte_end = upload.end;
    job.options = options;
    job.columns = std::move(columns);
    job.created_at = job.updated_at = clock_.now();
    // The upload becomes the job's: it moves into the spool under the job id.
    std::error_code ec;
    std::filesystem::create_directories(spool_dir_, ec);
    job.file_path = (std::filesystem::path(spool_dir_) / (job.id.value + ".upload")).string();
    std::filesystem::rename(upload.path, job.file_path, ec);
    if (ec) return Error::internal("cannot keep the upload: " + ec.message());
    auto stored =
        db_.write([&](db::Connection& c) -> Status { return store::insert_import(c, job); });
    if (!stored) {
        std::filesystem::remove(job.file_path, ec);
        return std::move(stored).error();
    }
    if (ports_.imports) ports_.imports->import_queued();
    return job;
}

Result<ImportJob> ContactsService::get_import(const Principal& who, const ImportJobId& id) {
    return db_.read([&](db::Connection& c) -> Result<ImportJob> {
        UJ_ASSIGN(auto found, store::find_import(c, who.account_id, id));
        if (!found) return Error::not_found("Import");
        return std::move(*found);
    });
}

Result<Listing<ImportJob>> ContactsService::list_imports(const Principal& who, Page page) {
    return db_.read(
        [&](db::Connection& c) { return store::list_imports(c, who.account_id, page); });
}

Result<std::vector<ImportRowError>> ContactsService::import_errors(const Principal& who,
                                                                   const ImportJobId& import_id,
                                                                   std::int64_t after_line,
                                                                   int limit) {
    return db_.read([&](db::Connection& c) -> Result<std::vector<ImportRowError>> {
        UJ_ASSIGN(auto found, store::find_import(c, who.account_id, import_id));
        if (!found) return Error::not_found("Import");
        return store::import_errors(c, import_id, after_line, limit);
    });
}

}  // namespace ujumbe::contacts
