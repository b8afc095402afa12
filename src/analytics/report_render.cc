#include "analytics/report_render.h"

#include <cstdio>

#include "analytics/overview.h"
#include "formats/csv.h"
#include "formats/pdf.h"

namespace ujumbe::analytics {

namespace {

using nlohmann::json;

// PDF: figures in columns of this width, the rest shared by the key columns.
constexpr double kPageWidth = 495, kFigureWidth = 58;

std::string csv_cell(const json& v) {
    if (v.is_null()) return "";
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string pdf_cell(const json& v, const std::string& column, bool key) {
    if (v.is_null()) return key ? "(none)" : "-";
    if (v.is_number_float() && column.ends_with("_rate")) {
        char text[16];
        std::snprintf(text, sizeof text, "%.1f%%", v.get<double>() * 100);
        return text;
    }
    return csv_cell(v);
}

// "delivery_rate" -> "Delivery rate".
std::string column_title(std::string name) {
    for (auto& ch : name)
        if (ch == '_') ch = ' ';
    if (!name.empty() && name[0] >= 'a' && name[0] <= 'z')
        name[0] = static_cast<char>(name[0] - 32);
    return name;
}

// The total row with "Total" in its first key column.
std::vector<json> total_row(const ReportTable& t) {
    std::vector<json> row = *t.total;
    if (!row.empty() && row[0].is_null()) row[0] = "Total";
    return row;
}

json row_object(const ReportTable& t, const std::vector<json>& row) {
    json out = json::object();
    for (std::size_t i = 0; i < t.columns.size() && i < row.size(); ++i) out[t.columns[i]] = row[i];
    return out;
}

std::string file_stem(const Report& r) {
    return std::string(report_kind_name(r.request.kind)) + "-" + day_date(r.request.first_day) +
           "-" + day_date(r.request.last_day);
}

}  // namespace

json report_json(const Report& r) {
    json out = {{"report", report_kind_name(r.request.kind)},
                {"date_from", day_date(r.request.first_day)},
                {"date_to", day_date(r.request.last_day)},
                {"currency", r.currency},
                {"generated_at", format_iso8601(r.generated_at)}};
    if (r.request.kind == ReportKind::kUsage)
        out["group_by"] = usage_group_name(r.request.group_by);
    if (r.request.kind == ReportKind::kDlr)
        out["channel"] = r.request.channel ? json(*r.request.channel) : json(nullptr);
    json totals = json::object();
    for (const auto& t : r.tables) {
        json rows = json::array();
        for (const auto& row : t.rows) rows.push_back(row_object(t, row));
        out[t.name] = std::move(rows);
        if (t.total) totals[t.name] = row_object(t, *t.total);
    }
    if (!totals.empty()) out["totals"] = std::move(totals);
    return out;
}

std::string report_csv(const Report& r) {
    std::string out;
    const auto append = [&out](const std::vector<json>& cells, const std::string* table) {
        std::vector<std::string> fields;
        fields.reserve(cells.size() + 1);
        if (table) fields.push_back(*table);
        for (const auto& c : cells) fields.push_back(csv_cell(c));
        formats::csv::append_record(out, fields);
    };
    if (r.tables.size() == 1) {
        const auto& t = r.tables.front();
        formats::csv::append_record(out, t.columns);
        for (const auto& row : t.rows) append(row, nullptr);
        if (t.total) append(total_row(t), nullptr);
        return out;
    }
    if (r.tables.empty()) return out;
    std::vector<std::string> header{"table", "key"};
    header.insert(header.end(), r.tables.front().columns.begin() + 1,
                  r.tables.front().columns.end());
    formats::csv::append_record(out, header);
    for (const auto& t : r.tables) {
        for (const auto& row : t.rows) append(row, &t.name);
        if (t.total) append(total_row(t), &t.name);
    }
    return out;
}

Result<std::string> report_pdf(const Report& r) {
    const std::string title = report_title(r.request.kind);
    formats::pdf::Document doc(title + " " + day_date(r.request.first_day) + " to " +
                               day_date(r.request.last_day));
    doc.heading(title);
    if (!r.account_name.empty()) doc.line(r.account_name);
    doc.line("Period: " + day_date(r.request.first_day) + " to " + day_date(r.request.last_day) +
             " (UTC days)" + (r.currency.empty() ? "" : "; amounts in " + r.currency));
    if (r.request.kind == ReportKind::kDlr && r.request.channel)
        doc.line("Channel: " + *r.request.channel);
    doc.line("Generated " + format_iso8601(r.generated_at));
    for (const auto& t : r.tables) {
        doc.gap();
        doc.heading(t.title);
        const std::size_t figures = t.columns.size() - std::min(t.key_columns, t.columns.size());
        const std::size_t keys = t.columns.size() - figures;
        const double key_width =
            keys ? (kPageWidth - kFigureWidth * static_cast<double>(figures)) / keys : 0;
        std::vector<formats::pdf::Column> columns;
        std::vector<std::string> header;
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            const bool key = i < keys;
            columns.push_back({key ? key_width : kFigureWidth, !key});
            header.push_back(column_title(t.columns[i]));
        }
        doc.row(header, columns, true);
        // A total's other key cells are empty, not "(none)".
        const auto cells = [&](const std::vector<json>& row, bool total) {
            std::vector<std::string> out;
            for (std::size_t i = 0; i < row.size() && i < t.columns.size(); ++i)
                out.push_back(total && row[i].is_null() ? ""
                                                        : pdf_cell(row[i], t.columns[i], i < keys));
            return out;
        };
        for (const auto& row : t.rows) doc.row(cells(row, false), columns);
        if (t.rows.empty()) doc.line("Nothing in this period.");
        if (t.total) doc.row(cells(total_row(t), true), columns, true);
    }
    return doc.bytes();
}

Result<RenderedReport> render_report(const Report& r, ReportFormat format) {
    RenderedReport out;
    switch (format) {
        case ReportFormat::kJson:
            out.content_type = "application/json";
            out.filename = file_stem(r) + ".json";
            out.body = report_json(r).dump();
            return out;
        case ReportFormat::kCsv:
            out.content_type = "text/csv; charset=utf-8";
            out.filename = file_stem(r) + ".csv";
            out.body = report_csv(r);
            return out;
        case ReportFormat::kPdf:
            out.content_type = "application/pdf";
            out.filename = file_stem(r) + ".pdf";
            UJ_ASSIGN(out.body, report_pdf(r));
            return out;
    }
    return Error::internal("unknown report format");
}

}  // namespace ujumbe::analytics
