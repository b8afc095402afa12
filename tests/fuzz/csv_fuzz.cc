// libFuzzer target for the CSV reader and writer: any input must end in
// kEnd or kFatal within the limits, read the same through 1-byte reads,
// resume from every offset to the same records, and what the writer writes of
// the records must read back identically.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "formats/csv.h"

namespace csv = ujumbe::formats::csv;

namespace {

struct Step {
    csv::Outcome outcome;
    std::vector<std::string> fields;
    std::uint64_t line;
    std::uint64_t offset;
    std::uint64_t next_line;
    std::string error;
    bool operator==(const Step&) const = default;
};

std::vector<Step> read_all(csv::Source source, const csv::Reader::Options& options,
                           std::size_t input_size) {
    csv::Reader reader(std::move(source), options);
    std::vector<Step> steps;
    std::vector<std::string> fields;
    // Every step but the last consumes at least one byte.
    for (std::size_t i = 0; i <= input_size + 1; ++i) {
        const auto outcome = reader.next(fields);
        const bool end = outcome == csv::Outcome::kEnd;
        steps.push_back({outcome, fields, end ? 0 : reader.line(), reader.offset(),
                         reader.next_line(),
                         outcome == csv::Outcome::kRecord || end ? "" : reader.error()});
        if (end || outcome == csv::Outcome::kFatal) return steps;
    }
    FUZZ_CHECK(!"the reader did not end");
    return steps;
}

csv::Source one_byte_source(std::string_view data) {
    return [inner = csv::string_source(data)](char* buf, std::size_t cap) mutable {
        return inner(buf, cap < 1 ? cap : 1);
    };
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    csv::Reader::Options options;
    options.max_field_bytes = 16;  // small, so the limits are reached often
    options.max_fields = 8;

    const auto steps = read_all(csv::string_source(input), options, size);
    FUZZ_CHECK(read_all(one_byte_source(input), options, size) == steps);

    std::uint64_t previous = 0;
    std::string written;
    std::vector<std::vector<std::string>> records;
    for (const auto& s : steps) {
        FUZZ_CHECK(s.offset >= previous && s.offset <= size);
        previous = s.offset;
        FUZZ_CHECK(s.fields.size() <= options.max_fields);
        for (const auto& f : s.fields) FUZZ_CHECK(f.size() <= options.max_field_bytes);
        FUZZ_CHECK((s.outcome == csv::Outcome::kRecord || s.outcome == csv::Outcome::kEnd) ==
                   s.error.empty());
        if (s.outcome == csv::Outcome::kRecord) {
            records.push_back(s.fields);
            csv::append_record(written, s.fields);
        }
    }

    // Resuming after any record reads the rest the same way.
    for (std::size_t i = 0; i + 1 < steps.size() && i < 8; ++i) {
        csv::Reader::Options resumed = options;
        resumed.start_offset = steps[i].offset;
        resumed.start_line = steps[i].next_line;
        const auto rest =
            read_all(csv::string_source(input.substr(steps[i].offset)), resumed, size);
        FUZZ_CHECK(rest ==
                   std::vector<Step>(steps.begin() + static_cast<long>(i) + 1, steps.end()));
    }

    // The writer's output reads back as the same records, and nothing else,
    // once the formula guard it adds is taken off again.
    csv::Reader::Options guarded = options;
    guarded.max_field_bytes += 1;  // the guard's quote
    const auto again = read_all(csv::string_source(written), guarded, written.size());
    FUZZ_CHECK(again.size() == records.size() + 1);
    for (std::size_t i = 0; i < records.size(); ++i) {
        FUZZ_CHECK(again[i].outcome == csv::Outcome::kRecord);
        FUZZ_CHECK(again[i].fields.size() == records[i].size());
        for (std::size_t j = 0; j < records[i].size(); ++j)
            FUZZ_CHECK(csv::without_formula_guard(again[i].fields[j]) == records[i][j]);
    }
    FUZZ_CHECK(again.back().outcome == csv::Outcome::kEnd);
    return 0;
}
