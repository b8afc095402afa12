#include "contacts/unsubscribe_routes.h"

#include "core/html.h"

namespace ujumbe::contacts {

namespace {

using http::Request;
using http::RequestContext;
using http::Response;

// A page of its own: no scripts, no outside resources, a form that posts
// only back here.
Response page(int status, const std::string& title, const std::string& inner) {
    Response res;
    res.status = status;
    res.content_type = "text/html; charset=utf-8";
    res.body =
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width\"><title>" +
        html_escape(title) +
        "</title></head><body style=\"font-family:sans-serif;max-width:32em;margin:3em "
        "auto;padding:0 1em\"><h1>" +
        html_escape(title) + "</h1>" + inner + "</body></html>";
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                             "frame-ancestors 'none'");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Cache-Control", "no-store");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    return res;
}

Response not_valid() {
    return page(400, "Link not valid",
                "<p>This unsubscribe link is not valid. Use the link of a mail you received, "
                "whole.</p>");
}

// A gone account reads as a link not valid; a fault stays a fault.
Result<Response> failed(const Error& e) {
    if (e.code == ErrorCode::kNotFound) return not_valid();
    return e;
}

std::optional<UnsubscribeTarget> target_of(const UnsubscribeLinks& links, const Request& req) {
    const auto token = req.query_param("token");
    return token ? links.read(*token) : std::nullopt;
}

}  // namespace

void add_unsubscribe_routes(http::Router& router, ContactsService& s,
                            const UnsubscribeLinks& links) {
    const std::string path = "/api/v1/unsubscribe";
    router.add(
        http::Method::kGet, path,
        [&s, &links](RequestContext&, const Request& req) -> Result<Response> {
            const auto target = target_of(links, req);
            if (!target) return not_valid();
            auto name = s.unsubscribe_account_name(*target);
            if (!name) return failed(name.error());
            // Opening the link changes nothing: mail scanners follow links.
            return page(200, "Unsubscribe",
                        "<p>Stop email from <b>" + html_escape(*name) + "</b> to <b>" +
                            html_escape(target->address) +
                            "</b>?</p><form method=\"post\" action=\"?token=" +
                            html_escape(*req.query_param("token")) +
                            "\"><input type=\"hidden\" name=\"List-Unsubscribe\" "
                            "value=\"One-Click\"><button type=\"submit\">Unsubscribe</button>"
                            "</form>");
        },
        http::documented({.authenticated = false},
                         {.summary = "Show the page confirming an unsubscribe from email",
                          .files = {"text/html"},
                          .query = {{"token"}}}));
    router.add(
        http::Method::kPost, path,
        [&s, &links](RequestContext&, const Request& req) -> Result<Response> {
            const auto target = target_of(links, req);
            if (!target) return not_valid();
            auto name = s.unsubscribe(*target, "unsubscribe link");
            if (!name) return failed(name.error());
            return page(200, "Unsubscribed",
                        "<p>" + html_escape(target->address) +
                            " will get no more marketing email from <b>" + html_escape(*name) +
                            "</b>. Messages you ask for (receipts, password resets) still "
                            "come.</p>");
        },
        http::documented(
            {.authenticated = false,
             .body_types = {"application/x-www-form-urlencoded", "multipart/form-data"},
             .max_body_bytes = 4096},
            // The form's body (List-Unsubscribe=One-Click) is not read: the
            // token says it all.
            {.summary = "Unsubscribe from email (the page's form or a one-click request)",
             .success = {200},
             .files = {"text/html"},
             .query = {{"token"}}}));
}

}  // namespace ujumbe::contacts
