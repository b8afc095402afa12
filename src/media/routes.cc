// HTTP handlers of media: read the upload (multipart or the file as the
// body), call the service, shape the answer, stream a file to a signed URL.

#include "media/routes.h"

#include <unistd.h>

#include <memory>

#include "core/dates.h"
#include "core/open_file.h"
#include "formats/multipart.h"
#include "http/envelope.h"
#include "http/pagination.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::media {

namespace {

using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr std::size_t kMaxFormField = 1024;
constexpr std::size_t kServeChunk = 64 * 1024;

// The types a file may come as, besides a multipart form: what the Cloud API
// takes (the content decides in the end) and the generic binary type.
const std::vector<std::string>& upload_types() {
    static const std::vector<std::string> types = {
        "multipart/form-data",
        "application/octet-stream",
        "image/jpeg",
        "image/png",
        "image/webp",
        "video/mp4",
        "video/3gpp",
        "audio/aac",
        "audio/amr",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "application/pdf",
        "text/plain",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"};
    return types;
}

json media_json(const MediaService& s, const Media& m) {
    json out = {{"id", m.id.value},
                {"status", m.status},
                {"origin", m.origin},
                {"kind", m.kind},
                {"mime_type", m.mime_type},
                {"size_bytes", m.size_bytes},
                {"sha256", m.sha256.empty() ? json(nullptr) : json(m.sha256)},
                {"filename", http::text_or_null(m.filename)},
                {"url", nullptr},
                {"url_expires_at", nullptr},
                {"error", http::text_or_null(m.error)},
                {"created_by", http::text_or_null(m.created_by)},
                {"created_at", format_iso8601(m.created_at)},
                {"updated_at", format_iso8601(m.updated_at)}};
    if (m.status == kReady) {
        const auto url = s.url(m);
        out["url"] = url.url;
        out["url_expires_at"] = format_iso8601(url.expires_at);
    }
    return out;
}

// The schemas of media_json() and of a deletion's answer (the OpenAPI
// document): `url` is a signed link to the content, set once it is ready.
void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema(
        "Media", object({{"id", text()},
                         {"status", one_of({kReady, kPending, kFailed})},
                         {"origin", one_of({"upload", "whatsapp"})},
                         {"kind", one_of({"image", "audio", "video", "document", "sticker"})},
                         {"mime_type", text()},
                         {"size_bytes", integer()},
                         {"sha256", nullable(text())},
                         {"filename", nullable(text())},
                         {"url", nullable(text())},
                         {"url_expires_at", nullable(time())},
                         {"error", nullable(text())},
                         {"created_by", nullable(text())},
                         {"created_at", time()},
                         {"updated_at", time()}}));
    router.define_schema("MediaDeleted",
                         {{"type", "object"},
                          {"maxProperties", 0},
                          {"description", "An empty object: the media is deleted."}});
}

Result<Response> upload(MediaService& s, RequestContext& ctx, const Request& req) {
    if (req.body_file.empty() || req.body_file_size == 0)
        return Error::invalid("file", "The file is empty.");
    Upload u{req.body_file, 0, req.body_file_size, req.query_param("filename").value_or("")};
    const auto type = req.header("content-type").value_or("");
    if (auto boundary = formats::multipart_boundary(type)) {
        const OpenFile in(req.body_file);
        if (!in.valid()) return Error::internal("cannot read the upload");
        UJ_ASSIGN(auto parts, formats::scan_multipart(in.fd(), *boundary));
        bool have_file = false;
        for (const auto& p : parts) {
            if (p.name == "file" && !have_file) {
                have_file = true;
                u.begin = p.begin;
                u.end = p.end;
                if (p.filename && u.filename.empty()) u.filename = *p.filename;
            } else if (p.name == "filename") {
                UJ_ASSIGN(u.filename, formats::read_range(in.fd(), p.begin, p.end, kMaxFormField));
            }
        }
        if (!have_file) return Error::invalid("file", "Send the file in a form part named 'file'.");
    } else if (type.starts_with("multipart/")) {
        return Error::invalid("file", "The multipart body has no boundary.");
    }
    UJ_ASSIGN(auto m, s.upload(ctx.who(), u));
    return http::ok(media_json(s, m), 201, "Media stored");
}

// The list's filters: kind, status, origin.
const std::vector<http::QueryDoc>& filters() {
    static const std::vector<http::QueryDoc> all = {
        {"kind", {"image", "audio", "video", "document", "sticker"}},
        {"status", {kReady, kPending, kFailed}},
        {"origin", {"upload", "whatsapp"}}};
    return all;
}

Result<Response> list(MediaService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    MediaQuery q;
    FieldErrors errors;
    const auto one_of = [&](const http::QueryDoc& filter, std::optional<std::string>& target) {
        auto v = req.query_param(filter.name);
        if (!v) return;
        for (const auto& a : filter.values)
            if (*v == a) {
                target = *v;
                return;
            }
        std::string list;
        for (const auto& a : filter.values) list += (list.empty() ? "" : ", ") + a;
        errors[filter.name].push_back("One of " + list + ".");
    };
    const auto& f = filters();
    one_of(f[0], q.kind);
    one_of(f[1], q.status);
    one_of(f[2], q.origin);
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), q, page));
    json results = json::array();
    for (const auto& m : listing.items) results.push_back(media_json(s, m));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get(MediaService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto m, s.get(ctx.who(), ctx.param("id")));
    return http::ok(media_json(s, m));
}

Result<Response> remove(MediaService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.remove(ctx.who(), ctx.param("id")));
    return http::ok(json::object(), 200, "Media deleted");
}

// "filename*=UTF-8''..." (RFC 6266, RFC 8187): any name, percent-encoded.
std::string disposition(const Media& m) {
    // What the browser may show in place; anything else is a download.
    const bool inline_type = m.mime_type.starts_with("image/") ||
                             m.mime_type.starts_with("audio/") ||
                             m.mime_type.starts_with("video/") || m.mime_type == "application/pdf";
    std::string out = inline_type ? "inline" : "attachment";
    if (!m.filename) return out;
    static const char* hex = "0123456789ABCDEF";
    out += "; filename*=UTF-8''";
    for (unsigned char c : *m.filename) {
        if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

Result<Response> content(MediaService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto m, s.open_signed(ctx.param("id"), req.query_param("expires").value_or(""),
                                    req.query_param("signature").value_or("")));
    auto in = std::make_shared<OpenFile>(s.path(m));
    if (!in->valid()) return Error::not_found("Media");
    Response res;
    res.content_type = m.mime_type;
    res.headers.emplace_back("Content-Disposition", disposition(m));
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
    res.headers.emplace_back("Cache-Control", "private, max-age=300");
    res.stream = [in](std::string& out) -> Result<bool> {
        const std::size_t at = out.size();
        out.resize(at + kServeChunk);
        ssize_t n;
        do {
            n = ::read(in->fd(), out.data() + at, kServeChunk);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return Error::internal("the media file could not be read");
        out.resize(at + static_cast<std::size_t>(n));
        return n > 0;
    };
    return res;
}

}  // namespace

void add_routes(http::Router& router, MediaService& s, std::uint64_t max_upload_bytes) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1/media";
    const http::RouteOptions read{.scope = "messages:read"};
    const http::RouteOptions write{.scope = "messages:send"};
    const http::RouteOptions upload_options{.scope = "messages:send",
                                            .body_types = upload_types(),
                                            .spool_body = true,
                                            .max_body_bytes = max_upload_bytes};
    // The signature is the credential: a browser or Meta fetches it.
    const http::RouteOptions signed_link{.authenticated = false};
    using http::documented;
    define_schemas(router);
    // The body is the file, or a multipart form with it in `file`.
    router.add(Method::kPost, b, bind(upload),
               documented(upload_options, {.summary = "Upload a file to send as media",
                                           .response = "Media",
                                           .success = {201},
                                           .query = {{"filename"}}}));
    router.add(Method::kGet, b, bind(list),
               documented(read, {.summary = "List the account's media",
                                 .response = "Media",
                                 .list = true,
                                 .query = filters()}));
    router.add(Method::kGet, b + "/{id}", bind(get),
               documented(read, {.summary = "Show a media file's details", .response = "Media"}));
    router.add(Method::kDelete, b + "/{id}", bind(remove),
               documented(write, {.summary = "Delete a media file", .response = "MediaDeleted"}));
    router.add(Method::kGet, b + "/{id}/content", bind(content),
               documented(signed_link, {.summary = "Download a media file by its signed link",
                                        .files = {"*/*"},
                                        .query = {{"expires", {}, "integer"}, {"signature"}}}));
}

}  // namespace ujumbe::media
