// CSV imports end to end, on SQLite and on PostgreSQL: an upload queued
// through ContactsService::start_import and run by the background Importer.

#include "contacts/importer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "contacts/normalize.h"
#include "contacts/store.h"
#include "contacts/testing_contacts.h"
#include "contacts/views.h"
#include "core/ids.h"
#include "db/testing_db.h"
#include "formats/csv.h"
#include "identity/store.h"

namespace ujumbe::contacts {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Tags = std::vector<std::string>;

std::string phone_of(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0713%06d", i);
    return buf;
}

std::string e164_of(int i) {
    return "+255" + phone_of(i).substr(1);
}

std::string email_of(int i) {
    return "user" + std::to_string(i) + "@example.com";
}

// A CSV of `rows` records with good rows, bad rows, duplicates, quoted
// multi-line fields, CRLF and LF line ends and blank lines, and what
// importing it must give.
struct GeneratedCsv {
    std::string text;
    std::int64_t created = 0, updated = 0, failed = 0, rows = 0;
    std::vector<std::int64_t> failed_lines;
    std::map<std::string, std::string> name_by_phone;  // by E.164
    std::map<std::string, Tags> tags_by_phone;
};

GeneratedCsv generate_csv(int rows) {
    GeneratedCsv g;
    g.text = "name,phone,email,tags,City,is_opted_in\n";
    std::int64_t line = 2;
    for (int i = 0; i < rows; ++i) {
        const std::string eol = i % 4 == 0 ? "\r\n" : "\n";
        const std::string n = std::to_string(i);
        std::string record;
        int newlines_inside = 0;
        bool failed = false;
        if (i < 10) {
            record = "Seed " + n + "," + phone_of(i) + "," + email_of(i) + ",seed,Arusha,yes";
            g.name_by_phone[e164_of(i)] = "Seed " + n;
            g.tags_by_phone[e164_of(i)] = {"seed"};
            ++g.created;
        } else if (i == 1234) {
            record = std::string(70 * 1024, 'x') + "," + phone_of(i) + ",,,,";  // field over 64 KiB
            failed = true;
        } else if (i % 97 == 5) {
            record = "Bad phone " + n + ",12345,,x,Arusha,";
            failed = true;
        } else if (i % 89 == 3) {
            record = "Bad email " + n + "," + phone_of(i) + ",user@,x,Arusha,";
            failed = true;
        } else if (i % 101 == 7) {
            record = "Wide " + n + "," + phone_of(i) + ",,x,Arusha,,extra";
            failed = true;
        } else if (i % 103 == 11) {
            record = "Nameless " + n + ",,,x,Arusha,yes";
            failed = true;
        } else if (i % 107 == 13) {
            record = "Caf\xe9 " + n + "," + phone_of(i) + ",,x,Arusha,";
            failed = true;
        } else if (i % 50 == 20) {
            record = "\"Line one\nLine two, \"\"quoted\"\" " + n + "\"," + phone_of(i) + "," +
                     email_of(i) + ",\"a,b\",\"Dar es\r\nSalaam\",no";
            newlines_inside = 2;
            g.name_by_phone[e164_of(i)] = "Line one\nLine two, \"quoted\" " + n;
            g.tags_by_phone[e164_of(i)] = {"a", "b"};
            ++g.created;
        } else if (i % 60 == 30) {
            // The phone of an earlier row: merged into it.
            const int seed = i / 60 % 10;
            record = "Dup " + n + "," + phone_of(seed) + ",,dup,Dodoma,";
            g.name_by_phone[e164_of(seed)] = "Dup " + n;
            add_tags(g.tags_by_phone[e164_of(seed)], {"dup"});
            ++g.updated;
        } else if (i % 70 == 40) {
            // The email of an earlier row, no phone: merged into it.
            const int seed = i / 70 % 10;
            record = ",," + email_of(seed) + ",dupmail,,";
            add_tags(g.tags_by_phone[e164_of(seed)], {"dupmail"});
            ++g.updated;
        } else {
            record = "Name " + n + "," + phone_of(i) + "," + email_of(i) + ",\"t" +
                     std::to_string(i % 5) + ";all\",City " + std::to_string(i % 7) + "," +
                     (i % 2 ? "yes" : "no");
            g.name_by_phone[e164_of(i)] = "Name " + n;
            g.tags_by_phone[e164_of(i)] = {"all", "t" + std::to_string(i % 5)};
            ++g.created;
        }
        if (failed) {
            ++g.failed;
            g.failed_lines.push_back(line);
        }
        ++g.rows;
        g.text += record + eol;
        line += 1 + newlines_inside;
        if (i % 500 == 499) {
            g.text += eol;  // a blank line: skipped, but it is a line
            ++line;
        }
    }
    return g;
}

class ImporterTest : public testing::ContactsTest, private ImportSignal {
protected:
    void SetUp() override {
        contacts_ports_.imports = this;  // a queued import wakes the runner, as in the server
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        fs::create_directories(dir_ / "uploads");
        owner_ = owner_of("Acme");
    }

    void TearDown() override {
        importer_.reset();
        ContactsTest::TearDown();
    }

    fs::path write_upload(const std::string& content) {
        const auto path = dir_ / "uploads" / (new_uuid_v7() + ".csv");
        std::ofstream out(path, std::ios::binary);
        out << content;
        return path;
    }

    // Queues the CSV `content` (bytes [begin, size - trailing) of the upload).
    Result<ImportJob> queue(const std::string& content, const ImportOptions& options = {},
                            std::int64_t begin = 0, std::int64_t trailing = 0,
                            const Principal* who = nullptr) {
        const auto path = write_upload(content);
        last_upload_ = path;
        return service_->start_import(who ? *who : owner_,
                                      {path.string(), "contacts.csv", begin,
                                       static_cast<std::int64_t>(content.size()) - trailing},
                                      options);
    }

    void start_importer(std::size_t batch_rows, int threads = 2) {
        importer_ = std::make_unique<Importer>(db(), *service_, clock_,
                                               ImporterOptions{batch_rows, threads});
        importer_->start();
    }

    void stop_importer() {
        if (importer_) importer_->stop();
        importer_.reset();
    }

    // The job once it is completed or failed (or as it is after the timeout).
    ImportJob wait_done(const ImportJobId& id, const Principal* who = nullptr) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (true) {
            auto job = service_->get_import(who ? *who : owner_, id);
            EXPECT_TRUE(job) << (job ? "" : job.error().message);
            if (!job) return ImportJob{};
            if (job->status == import_status::kCompleted || job->status == import_status::kFailed)
                return *job;
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "the import did not finish: " << import_json(*job).dump();
                return *job;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    std::int64_t contact_count(const Principal* who = nullptr) {
        auto r = service_->list(who ? *who : owner_, {}, {1, 0});
        EXPECT_TRUE(r);
        return r ? r->count : -1;
    }

    std::optional<Contact> by_phone(const std::string& e164) {
        auto r = db().read(
            [&](db::Connection& c) { return store::find_by_phone(c, owner_.account_id, e164); });
        EXPECT_TRUE(r);
        return r ? *r : std::nullopt;
    }

    std::vector<ImportRowError> errors_of(const ImportJobId& id) {
        auto r = service_->import_errors(owner_, id, 0, 1000000);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? *r : std::vector<ImportRowError>{};
    }

    // What a finished import of `g` must show.
    void expect_imported(const ImportJob& job, const GeneratedCsv& g) {
        EXPECT_EQ(job.status, import_status::kCompleted) << job.error.value_or("");
        EXPECT_FALSE(job.error);
        EXPECT_EQ(job.rows_processed, g.rows);
        EXPECT_EQ(job.created, g.created);
        EXPECT_EQ(job.updated, g.updated);
        EXPECT_EQ(job.skipped, 0);
        EXPECT_EQ(job.failed, g.failed);
        EXPECT_EQ(job.processed_bytes, job.byte_end - job.byte_begin);
        EXPECT_EQ(import_json(job)["progress"], 100);
        EXPECT_TRUE(job.started_at);
        EXPECT_TRUE(job.finished_at);
        EXPECT_EQ(contact_count(), g.created);
        std::vector<std::int64_t> lines;
        for (const auto& e : errors_of(job.id)) {
            lines.push_back(e.line);
            EXPECT_EQ(e.outcome, "failed");
            EXPECT_FALSE(e.reason.empty());
        }
        EXPECT_EQ(lines, g.failed_lines);
        auto stored = db().read([&](db::Connection& c) {
            return store::list_contacts(c, owner_.account_id, {}, {1000000, 0});
        });
        ASSERT_TRUE(stored);
        std::map<std::string, Contact> contacts;
        for (auto& c : stored->items)
            if (c.phone_e164) contacts[*c.phone_e164] = c;
        for (const auto& [phone, name] : g.name_by_phone) {
            ASSERT_TRUE(contacts.count(phone)) << phone;
            EXPECT_EQ(contacts[phone].name, name) << phone;
        }
        for (const auto& [phone, tags] : g.tags_by_phone)
            EXPECT_EQ(contacts[phone].tags, tags) << phone;
        // The spooled upload is gone once the job is done.
        EXPECT_FALSE(fs::exists(job.file_path));
    }

    void import_queued() override {
        if (importer_) importer_->wake();
    }

    std::unique_ptr<Importer> importer_;
    fs::path last_upload_;
    Principal owner_;
};

TEST_P(ImporterTest, ImportsAFileWithBadRowsAndDuplicates) {
    const auto g = generate_csv(3000);
    auto queued = queue(g.text);
    ASSERT_TRUE(queued) << queued.error().message;
    EXPECT_EQ(queued->status, import_status::kPending);
    EXPECT_EQ(queued->columns,
              json({"name", "phone_e164", "email", "tags", "attributes.city", "is_opted_in"}));
    // The upload moved into the spool.
    EXPECT_FALSE(fs::exists(last_upload_));
    EXPECT_TRUE(fs::exists(queued->file_path));
    EXPECT_EQ(fs::path(queued->file_path).parent_path(), dir_ / "spool");

    start_importer(400);
    const auto job = wait_done(queued->id);
    stop_importer();
    expect_imported(job, g);

    // Seed 3 was merged with a later row of its phone and one of its email.
    auto seed = by_phone(e164_of(3));
    ASSERT_TRUE(seed);
    EXPECT_EQ(seed->email, std::optional<std::string>(email_of(3)));
    EXPECT_EQ(seed->tags, (Tags{"dup", "dupmail", "seed"}));
    EXPECT_EQ(seed->attributes, json({{"city", "Dodoma"}}));
    EXPECT_TRUE(seed->is_opted_in);
    auto multi = by_phone(e164_of(70));
    ASSERT_TRUE(multi);
    EXPECT_EQ(multi->tags, (Tags{"a", "b"}));
    EXPECT_EQ(multi->attributes, json({{"city", "Dar es\r\nSalaam"}}));
    EXPECT_FALSE(multi->is_opted_in);
    auto plain = by_phone(e164_of(15));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->tags, (Tags{"all", "t0"}));
    EXPECT_EQ(plain->attributes, json({{"city", "City 1"}}));
    EXPECT_EQ(plain->email, std::optional<std::string>(email_of(15)));
    EXPECT_TRUE(plain->is_opted_in);
    auto history = service_->get(owner_, plain->id);
    ASSERT_TRUE(history);
    ASSERT_EQ(history->consent_history.size(), 1u);
    EXPECT_EQ(history->consent_history[0].source, "import");
    EXPECT_EQ(history->consent_history[0].actor_id, std::optional<UserId>(owner_.user_id));

    // The reports of bad rows.
    std::map<std::int64_t, ImportRowError> by_line;
    for (auto& e : errors_of(job.id)) by_line[e.line] = e;
    ASSERT_EQ(by_line.size(), g.failed_lines.size());
    bool saw_wide = false, saw_utf8 = false, saw_huge = false;
    for (const auto& [line, e] : by_line) {
        if (e.row_text.starts_with("Wide ")) {
            saw_wide = true;
            EXPECT_EQ(e.reason, "The row has 7 fields; the header has 6.");
        }
        if (e.row_text.starts_with("Caf? ")) {
            saw_utf8 = true;
            EXPECT_EQ(e.reason, "Column 1 is not UTF-8 text or has control characters.");
        }
        if (e.row_text.starts_with("xxxxxxxx")) {
            saw_huge = true;
            EXPECT_LE(e.row_text.size(), 1000u);
        }
        EXPECT_LE(e.row_text.size(), 1000u);
    }
    EXPECT_TRUE(saw_wide);
    EXPECT_TRUE(saw_utf8);
    EXPECT_TRUE(saw_huge);
    std::string report = import_errors_header();
    for (const auto& [line, e] : by_line) append_import_error_row(report, e);
    EXPECT_TRUE(report.starts_with("line,outcome,reason,row\r\n"));
}

TEST_P(ImporterTest, TinyBatchesGiveTheSameContacts) {
    // Hundreds of batches: on PostgreSQL two are in flight at once, and the
    // file's duplicates keep meeting a batch still committing (shared keys)
    // or contacts stored by one (which a batch may touch only alone).
    const auto g = generate_csv(1500);
    auto queued = queue(g.text);
    ASSERT_TRUE(queued) << queued.error().message;
    start_importer(7);
    const auto job = wait_done(queued->id);
    stop_importer();
    expect_imported(job, g);
    auto seed = by_phone(e164_of(3));
    ASSERT_TRUE(seed);
    EXPECT_EQ(seed->tags, (Tags{"dup", "dupmail", "seed"}));
}

TEST_P(ImporterTest, JobsQueuedWhileRunningAreImported) {
    start_importer(100);
    const auto first = generate_csv(300);
    auto one = queue(first.text);
    ASSERT_TRUE(one) << one.error().message;
    const auto done_one = wait_done(one->id);
    expect_imported(done_one, first);
    // The same file again: every row matches a contact of the first import.
    auto two = queue(first.text, {.on_existing = "skip", .tags = {"again"}});
    ASSERT_TRUE(two) << two.error().message;
    const auto done_two = wait_done(two->id);
    stop_importer();
    EXPECT_EQ(done_two.status, import_status::kCompleted);
    EXPECT_EQ(done_two.created, 0);
    EXPECT_EQ(done_two.updated, 0);
    EXPECT_EQ(done_two.failed, first.failed);
    EXPECT_EQ(done_two.skipped, first.created + first.updated);
    EXPECT_EQ(contact_count(), first.created);
    // Left alone: no "again" tag, the first import's tags only.
    auto seed = by_phone(e164_of(9));
    ASSERT_TRUE(seed);
    EXPECT_EQ(seed->tags, Tags{"seed"});
    std::int64_t skipped = 0;
    for (const auto& e : errors_of(two->id))
        if (e.outcome == "skipped") {
            ++skipped;
            EXPECT_TRUE(e.reason.starts_with("A contact with this ")) << e.reason;
        }
    EXPECT_EQ(skipped, done_two.skipped);
    auto listed = service_->list_imports(owner_, {});
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->count, 2);
    EXPECT_EQ(listed->items[0].id, two->id);  // newest first
}

TEST_P(ImporterTest, ResumesFromCommittedProgressWithoutDoublingRows) {
    const auto g = generate_csv(1500);
    // The CSV sits inside a larger upload, as the file part of a multipart body does.
    const std::string prefix = "--boundary\r\nContent-Type: text/csv\r\n\r\n";
    const std::string suffix = "\r\n--boundary--\r\n";
    auto queued = queue(prefix + g.text + suffix, {}, static_cast<std::int64_t>(prefix.size()),
                        static_cast<std::int64_t>(suffix.size()));
    ASSERT_TRUE(queued) << queued.error().message;
    ImportJob job = *queued;

    // A runner took the job, committed its first 600 rows, and died.
    auto claimed =
        db().write([&](db::Connection& c) { return store::claim_import(c, job.id, clock_.now()); });
    ASSERT_TRUE(claimed && *claimed);
    job.status = import_status::kRunning;
    job.started_at = clock_.now();
    {
        const int fd = ::open(job.file_path.c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        formats::csv::Reader reader(
            formats::csv::file_source(fd, static_cast<std::uint64_t>(job.byte_begin),
                                      static_cast<std::uint64_t>(job.byte_end)));
        std::vector<std::string> fields;
        ASSERT_EQ(reader.next(fields), formats::csv::Outcome::kRecord);  // the header
        std::vector<ImportRow> rows;
        while (rows.size() < 600) {
            const auto outcome = reader.next(fields);
            ASSERT_NE(outcome, formats::csv::Outcome::kEnd);
            ASSERT_NE(outcome, formats::csv::Outcome::kFatal);
            if (outcome == formats::csv::Outcome::kRowError) {
                ImportRow bad;
                bad.line = static_cast<std::int64_t>(reader.line());
                bad.failure = reader.error();
                rows.push_back(std::move(bad));
                continue;
            }
            rows.push_back(parse_import_row(fields, static_cast<std::int64_t>(reader.line()),
                                            job.columns, "TZ"));
        }
        ::close(fd);
        job.processed_bytes = static_cast<std::int64_t>(reader.offset());
        job.next_line = static_cast<std::int64_t>(reader.next_line());
        ASSERT_TRUE(db().write(
            [&](db::Connection& c) { return apply_import_batch(c, job, rows, clock_.now()); }));
    }
    auto midway = service_->get_import(owner_, job.id);
    ASSERT_TRUE(midway);
    EXPECT_EQ(midway->status, import_status::kRunning);
    EXPECT_EQ(midway->rows_processed, 600);
    EXPECT_LT(midway->processed_bytes, job.byte_end - job.byte_begin);
    const auto created_before = midway->created;
    EXPECT_EQ(contact_count(), created_before);

    start_importer(250);
    const auto done = wait_done(job.id);
    stop_importer();
    expect_imported(done, g);
    EXPECT_EQ(done.started_at, midway->started_at);
}

TEST_P(ImporterTest, StoppedImporterResumesWhereItStopped) {
    const auto g = generate_csv(3000);
    auto queued = queue(g.text);
    ASSERT_TRUE(queued) << queued.error().message;
    start_importer(20, 1);
    // Stop as soon as some batches are in.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        auto job = service_->get_import(owner_, queued->id);
        ASSERT_TRUE(job);
        if (job->rows_processed >= 100 ||
            (job->status != import_status::kRunning && job->status != import_status::kPending))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    stop_importer();
    auto stopped = service_->get_import(owner_, queued->id);
    ASSERT_TRUE(stopped);
    // 150 batches of 20 rows: the stop comes long before the end.
    ASSERT_EQ(stopped->status, import_status::kRunning);
    EXPECT_GE(stopped->rows_processed, 100);
    EXPECT_LT(stopped->rows_processed, g.rows);
    EXPECT_LT(stopped->processed_bytes, stopped->byte_end - stopped->byte_begin);
    EXPECT_FALSE(stopped->finished_at);
    EXPECT_EQ(contact_count(), stopped->created);
    EXPECT_TRUE(fs::exists(stopped->file_path));

    start_importer(500);
    const auto done = wait_done(queued->id);
    stop_importer();
    expect_imported(done, g);
}

TEST_P(ImporterTest, UnterminatedQuoteFailsTheJobAndKeepsEarlierRows) {
    std::string text = "name,phone\n";
    for (int i = 0; i < 50; ++i) text += "Good " + std::to_string(i) + "," + phone_of(i) + "\n";
    text += "\"Broken," + phone_of(900) + "\n";
    for (int i = 50; i < 70; ++i) text += "Lost " + std::to_string(i) + "," + phone_of(i) + "\n";
    auto queued = queue(text);
    ASSERT_TRUE(queued) << queued.error().message;
    start_importer(20);
    const auto job = wait_done(queued->id);
    stop_importer();
    EXPECT_EQ(job.status, import_status::kFailed);
    ASSERT_TRUE(job.error);
    EXPECT_NE(job.error->find("Line 52"), std::string::npos) << *job.error;
    EXPECT_EQ(job.created, 50);
    EXPECT_EQ(job.rows_processed, 50);
    EXPECT_TRUE(job.finished_at);
    EXPECT_EQ(contact_count(), 50);
    EXPECT_TRUE(by_phone(e164_of(49)));
    EXPECT_FALSE(by_phone(e164_of(50)));
    EXPECT_FALSE(by_phone(e164_of(900)));
    EXPECT_FALSE(fs::exists(job.file_path));
}

TEST_P(ImporterTest, MappingAndOptionTagsApply) {
    const std::string text =
        "Mobile,Full name,Company,Notes,Seats\n"
        "0712 345 678,Jane Smith,Acme,call after 5,4\n"
        "+255 713 000 001,John Doe,Beta,,10\n";
    // The route hands the service normalised tags.
    auto queued = queue(text, {.tags = {"batch-1", "imported"},
                               .mapping = json{{"Mobile", "phone_e164"},
                                               {"Full name", "name"},
                                               {"Company", "attributes.company"},
                                               {"Notes", "ignore"}}});
    ASSERT_TRUE(queued) << queued.error().message;
    EXPECT_EQ(queued->columns,
              json({"phone_e164", "name", "attributes.company", "ignore", "attributes.seats"}));
    start_importer(1000);
    const auto job = wait_done(queued->id);
    stop_importer();
    EXPECT_EQ(job.status, import_status::kCompleted);
    EXPECT_EQ(job.created, 2);
    auto jane = by_phone("+255712345678");
    ASSERT_TRUE(jane);
    EXPECT_EQ(jane->name, "Jane Smith");
    EXPECT_EQ(jane->attributes, json({{"company", "Acme"}, {"seats", "4"}}));
    EXPECT_EQ(jane->tags, (Tags{"batch-1", "imported"}));
}

TEST_P(ImporterTest, BadUploadsAreRefusedAtOnce) {
    auto no_phone = queue("name,city\nJane,Arusha\n");
    ASSERT_FALSE(no_phone);
    EXPECT_EQ(no_phone.error().errors.count("file"), 1u) << no_phone.error().message;
    // A refused upload is left where it was.
    EXPECT_TRUE(fs::exists(last_upload_));
    auto empty = queue("");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().errors.count("file"), 1u);
    auto bad_header = queue("\"name,phone\n");
    ASSERT_FALSE(bad_header);
    EXPECT_EQ(bad_header.error().errors.count("file"), 1u);
    auto bad_mapping = queue("a,b\n1,2\n", {.mapping = json{{"a", "telephone"}}});
    ASSERT_FALSE(bad_mapping);
    EXPECT_EQ(bad_mapping.error().errors.count("mapping"), 1u);
    auto listed = service_->list_imports(owner_, {});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, 0);
}

TEST_P(ImporterTest, ExportedContactsImportBackTheSame) {
    const std::vector<ContactInput> inputs = {
        {.name = "Jane \"JJ\" Smith, Jr.",
         .phone = "0712345678",
         .email = "jane@example.com",
         .attributes = json{{"company", "Acme, Inc."}, {"seats", 4}, {"vip", true}, {"ratio", 0.5}},
         .tags = Tags{"vip", "two words"},
         .is_opted_in = true},
        {.name = "Multi\nLine", .phone = "0713000001", .is_active = false},
        {.name = "Mail only", .email = "mail@example.com", .attributes = json{{"note", "a\nb"}}},
        {.phone = "+1 650 253 0000", .tags = Tags{"us"}},
    };
    for (auto in : inputs) {
        clock_.advance(kMicrosPerSecond);
        // Opted in after creation: creation itself is tested in service_test.cc.
        const bool opt_in = in.is_opted_in.value_or(false);
        in.is_opted_in.reset();
        auto created = service_->upsert(owner_, in);
        ASSERT_TRUE(created) << created.error().message;
        if (opt_in) {
            ASSERT_TRUE(
                service_->set_consent(owner_, created->contact.id, true, "all", std::nullopt));
        }
    }
    auto page = service_->export_page(owner_, {}, std::nullopt, 100);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->size(), inputs.size());
    std::string text = export_header();
    for (const auto& c : *page) append_export_row(text, c);

    const auto other = owner_of("Other");
    auto queued = queue(text, {}, 0, 0, &other);
    ASSERT_TRUE(queued) << queued.error().message;
    start_importer(1000);
    const auto job = wait_done(queued->id, &other);
    stop_importer();
    EXPECT_EQ(job.status, import_status::kCompleted) << job.error.value_or("");
    EXPECT_EQ(job.created, static_cast<std::int64_t>(inputs.size()));
    EXPECT_EQ(job.failed, 0);
    auto copies = service_->export_page(other, {}, std::nullopt, 100);
    ASSERT_TRUE(copies);
    ASSERT_EQ(copies->size(), page->size());
    std::map<std::string, Contact> by_key;
    for (const auto& c : *copies) by_key[c.phone_e164.value_or("") + c.email.value_or("")] = c;
    for (const auto& original : *page) {
        const auto it = by_key.find(original.phone_e164.value_or("") + original.email.value_or(""));
        ASSERT_NE(it, by_key.end()) << original.name;
        const auto& copy = it->second;
        EXPECT_NE(copy.id, original.id);
        EXPECT_EQ(copy.name, original.name);
        EXPECT_EQ(copy.phone_e164, original.phone_e164);
        EXPECT_EQ(copy.email, original.email);
        EXPECT_EQ(copy.tags, original.tags);
        EXPECT_EQ(copy.attributes, original.attributes);
        EXPECT_EQ(copy.is_active, original.is_active);
        EXPECT_EQ(copy.is_opted_in, original.is_opted_in);
    }
}

INSTANTIATE_TEST_SUITE_P(Engines, ImporterTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::contacts
