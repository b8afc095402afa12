#include "core/json.h"

#include <utility>
#include <vector>

namespace ujumbe {

namespace {

using json = nlohmann::json;

// The parser's message up to where it would quote the offending token:
// "parse error at line 1, column 6: syntax error while parsing value".
std::string without_input(std::string_view what) {
    if (auto close = what.find("] "); close != std::string_view::npos)
        what.remove_prefix(close + 2);
    if (auto detail = what.find(" - "); detail != std::string_view::npos)
        what = what.substr(0, detail);
    if (auto quote = what.find('\''); quote != std::string_view::npos) what = what.substr(0, quote);
    return std::string(what);
}

// The DOM builder behind a depth check: aborts the parse (by returning
// false) as soon as an object or array would open past the limit.
class BoundedSax final : public nlohmann::json_sax<json> {
public:
    BoundedSax(json& out, JsonParseProblem& problem, std::size_t max_depth)
        : dom_(out, /*allow_exceptions=*/false), problem_(problem), max_depth_(max_depth) {}

    bool null() override { return dom_.null(); }
    bool boolean(bool v) override { return dom_.boolean(v); }
    bool number_integer(number_integer_t v) override { return dom_.number_integer(v); }
    bool number_unsigned(number_unsigned_t v) override { return dom_.number_unsigned(v); }
    bool number_float(number_float_t v, const string_t& s) override {
        return dom_.number_float(v, s);
    }
    bool string(string_t& v) override { return dom_.string(v); }
    bool binary(binary_t& v) override { return dom_.binary(v); }
    bool key(string_t& v) override {
        if (depth_ == 1) top_key_ = v;
        return dom_.key(v);
    }
    bool start_object(std::size_t n) override { return open() && dom_.start_object(n); }
    bool end_object() override {
        --depth_;
        return dom_.end_object();
    }
    bool start_array(std::size_t n) override { return open() && dom_.start_array(n); }
    bool end_array() override {
        --depth_;
        return dom_.end_array();
    }
    bool parse_error(std::size_t position, const std::string& last_token,
                     const nlohmann::detail::exception& ex) override {
        problem_.kind = JsonParseProblem::Kind::kSyntax;
        problem_.message = without_input(ex.what());
        return dom_.parse_error(position, last_token, ex);
    }

private:
    bool open() {
        if (++depth_ <= max_depth_) return true;
        problem_.kind = JsonParseProblem::Kind::kTooDeep;
        problem_.field = top_key_;
        return false;
    }

    nlohmann::detail::json_sax_dom_parser<json> dom_;
    JsonParseProblem& problem_;
    std::size_t max_depth_;
    std::size_t depth_ = 0;
    std::string top_key_;
};

}  // namespace

json parse_json_bounded(std::string_view text, JsonParseProblem& problem, std::size_t max_depth) {
    problem = {};
    json out;
    BoundedSax sax(out, problem, max_depth);
    bool ok = false;
    try {
        ok = json::sax_parse(text.begin(), text.end(), &sax);
    } catch (const json::exception& e) {  // the SAX interface may still throw
        problem.kind = JsonParseProblem::Kind::kSyntax;
        problem.message = without_input(e.what());
    }
    if (ok && problem.kind == JsonParseProblem::Kind::kNone) return out;
    if (problem.kind == JsonParseProblem::Kind::kNone)
        problem.kind = JsonParseProblem::Kind::kSyntax;
    return json(json::value_t::discarded);
}

std::string string_at(const json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool json_depth_within(const json& value, std::size_t max_depth) {
    std::vector<std::pair<const json*, std::size_t>> todo{{&value, 0}};
    while (!todo.empty()) {
        auto [v, depth] = todo.back();
        todo.pop_back();
        if (!v->is_structured()) continue;
        if (depth + 1 > max_depth) return false;
        for (const auto& child : *v) todo.emplace_back(&child, depth + 1);
    }
    return true;
}

}  // namespace ujumbe
