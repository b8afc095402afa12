#include "contacts/import_columns.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "contacts/normalize.h"
#include "formats/csv.h"

namespace ujumbe::contacts {

namespace {

using json = nlohmann::json;

std::string lower_trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Headers recognised without a mapping.
const std::map<std::string, std::string>& known_headers() {
    static const std::map<std::string, std::string> known = {
        {"name", "name"},
        {"full_name", "name"},
        {"full name", "name"},
        {"phone_e164", "phone_e164"},
        {"phone", "phone_e164"},
        {"phone_number", "phone_e164"},
        {"phone number", "phone_e164"},
        {"mobile", "phone_e164"},
        {"msisdn", "phone_e164"},
        {"email", "email"},
        {"email_address", "email"},
        {"tags", "tags"},
        {"attributes", "attributes"},
        {"is_active", "is_active"},
        {"is_opted_in", "is_opted_in"},
        // Read-only columns of our own export.
        {"id", "ignore"},
        {"opt_in_at", "ignore"},
        {"opt_out_at", "ignore"},
        {"opt_out_reason", "ignore"},
        {"last_contacted_at", "ignore"},
        {"created_at", "ignore"},
        {"updated_at", "ignore"},
    };
    return known;
}

bool is_field(const std::string& f) {
    static const std::vector<std::string> fields = {
        "name", "phone_e164", "email", "tags", "attributes", "is_active", "is_opted_in", "ignore"};
    if (std::find(fields.begin(), fields.end(), f) != fields.end()) return true;
    return f.rfind("attributes.", 0) == 0 && is_attribute_key(f.substr(11));
}

}  // namespace

Result<std::vector<std::string>> read_csv_header(const std::string& path, std::int64_t begin,
                                                 std::int64_t end) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error::internal("cannot open the upload");
    formats::csv::Reader reader(formats::csv::file_source(fd, static_cast<std::uint64_t>(begin),
                                                          static_cast<std::uint64_t>(end)),
                                formats::csv::Reader::Options{});
    std::vector<std::string> header;
    const auto outcome = reader.next(header);
    ::close(fd);
    if (outcome == formats::csv::Outcome::kEnd) return Error::invalid("file", "The file is empty.");
    if (outcome != formats::csv::Outcome::kRecord)
        return Error::invalid("file", "The header line is not CSV: " + reader.error());
    return header;
}

Result<json> resolve_columns(const std::vector<std::string>& header, const json& mapping) {
    if (!mapping.is_object())
        return Error::invalid("mapping", "Must be an object from CSV header to field.");
    std::map<std::string, std::string> mapped;
    for (const auto& [column, field] : mapping.items()) {
        if (!field.is_string() || !is_field(field.get<std::string>()))
            return Error::invalid("mapping",
                                  "'" + column +
                                      "' maps to an unknown field; use name, phone_e164, email, "
                                      "tags, attributes, attributes.<key>, is_active, "
                                      "is_opted_in or ignore.");
        mapped[lower_trimmed(column)] = field.get<std::string>();
    }
    json columns = json::array();
    bool reachable = false;
    std::vector<std::string> seen;
    for (const auto& raw : header) {
        const auto name = lower_trimmed(raw);
        std::string field;
        if (auto m = mapped.find(name); m != mapped.end()) {
            field = m->second;
        } else if (auto k = known_headers().find(name); k != known_headers().end()) {
            field = k->second;
        } else {
            const auto key = attribute_key_of(raw);
            field = key.empty() || !is_attribute_key(key) ? "ignore" : "attributes." + key;
        }
        // A field filled by two columns: the first wins.
        if (field != "ignore" && std::find(seen.begin(), seen.end(), field) != seen.end())
            field = "ignore";
        seen.push_back(field);
        reachable = reachable || field == "phone_e164" || field == "email";
        columns.push_back(field);
    }
    if (!reachable)
        return Error::invalid("file",
                              "No column gives a phone or an email; name one phone_e164 or email "
                              "(or use `mapping`).");
    return columns;
}

}  // namespace ujumbe::contacts
