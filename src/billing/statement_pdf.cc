#include "billing/statement_pdf.h"

#include "formats/pdf.h"

namespace ujumbe::billing {

namespace {

using formats::pdf::Column;

std::string money(MoneySum amount, const std::string& currency) {
    return format_money_sum(amount) + " " + currency;
}

// "sms TZ", "email", "whatsapp (no country)".
std::string destination(const Statement::ByDestination& d) {
    return d.channel + " " + (d.country.empty() ? std::string("(any country)") : d.country);
}

}  // namespace

Result<std::string> statement_pdf(const Statement& s) {
    formats::pdf::Document doc("Statement " + s.month + " - " + s.holder.business_name);
    doc.heading("Statement for " + s.month);
    doc.line(s.holder.business_name);
    doc.line("Account " + s.holder.account_sid + "  (" + s.account_id.value + ")");
    if (!s.holder.contact_email.empty() || !s.holder.contact_phone.empty())
        doc.line(s.holder.contact_email +
                 (s.holder.contact_phone.empty() ? "" : "  " + s.holder.contact_phone));
    if (!s.holder.country.empty()) doc.line("Country: " + s.holder.country);
    doc.line("Period: " + format_iso8601(s.from) + " to " + format_iso8601(s.until) +
             " (UTC); amounts in " + s.currency);
    doc.gap();

    const std::vector<Column> two = {{340}, {155, true}};
    doc.heading("Balance");
    doc.row({"Opening balance", money(s.opening, s.currency)}, two);
    doc.row({"Closing balance", money(s.closing, s.currency)}, two, true);
    doc.gap();

    const std::vector<Column> three = {{240}, {100, true}, {155, true}};
    doc.heading("Entries");
    doc.row({"Type", "Entries", "Amount"}, three, true);
    for (const auto& t : s.by_type)
        doc.row({t.type, std::to_string(t.entries), money(t.amount, s.currency)}, three);
    if (s.by_type.empty()) doc.line("No entries this month.");
    doc.gap();

    doc.heading("Charges by destination");
    doc.row({"Destination", "Messages", "Charged"}, three, true);
    std::int64_t messages = 0;
    MoneySum charged = 0;
    for (const auto& d : s.charges) {
        doc.row({destination(d), std::to_string(d.messages), money(-d.amount, s.currency)}, three);
        messages += d.messages;
        charged -= d.amount;
    }
    doc.row({"Total", std::to_string(messages), money(charged, s.currency)}, three, true);

    if (!s.children.empty()) {
        doc.gap();
        const std::vector<Column> five = {{215}, {50, true}, {80, true}, {75, true}, {75, true}};
        doc.heading("Revenue by client");
        doc.row({"Client account", "Messages", "Client paid", "You paid", "Revenue"}, five, true);
        MoneySum revenue = 0;
        for (const auto& c : s.children) {
            doc.row(
                {c.account_id.value, std::to_string(c.messages), format_money_sum(c.client_paid),
                 format_money_sum(c.reseller_paid), format_money_sum(c.revenue)},
                five);
            revenue += c.revenue;
        }
        doc.row({"Total revenue", "", "", "", format_money_sum(revenue)}, five, true);
    }
    return doc.bytes();
}

}  // namespace ujumbe::billing
