#include "app/api_docs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/envelope.h"
#include "http/openapi.h"

#ifndef UJUMBE_VERSION
#define UJUMBE_VERSION "0.0.0"
#endif
#ifndef UJUMBE_DOCS_UI_DIR
#define UJUMBE_DOCS_UI_DIR ""
#endif

namespace ujumbe::app {

namespace {

using http::Request;
using http::RequestContext;
using http::Response;

// The page and its start script are ours; the script is a file, not inline,
// so the policy below allows no inline script at all.
constexpr const char* kIndex = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ujumbe API</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
)";

constexpr const char* kInit = R"(window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null
  });
});
)";

// Swagger UI's files the page loads, with their types.
const std::map<std::string, std::string> kUiFiles = {
    {"swagger-ui.css", "text/css; charset=utf-8"},
    {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
    {"favicon-32x32.png", "image/png"}};

constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

Response file_response(const std::string& content_type, const std::string& body,
                       const char* cache) {
    Response res;
    res.content_type = content_type;
    res.body = body;
    res.headers.emplace_back("Content-Security-Policy", kPolicy);
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Cache-Control", cache);
    return res;
}

// Where an installed binary's files are (<prefix>/share/ujumbe/docs-ui
// beside <prefix>/bin/ujumbe), else where the build found them.
std::string default_ui_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = exe.parent_path().parent_path() / "share" / "ujumbe" / "docs-ui";
        if (std::filesystem::exists(installed / "swagger-ui-bundle.js", ec))
            return installed.string();
    }
    return UJUMBE_DOCS_UI_DIR;
}

}  // namespace

ApiDocs::ApiDocs(std::string ui_dir) : ui_dir_(ui_dir.empty() ? default_ui_dir() : ui_dir) {
    for (const auto& [name, type] : kUiFiles) {
        std::ifstream in(std::filesystem::path(ui_dir_) / name, std::ios::binary);
        if (!in) {
            missing_ = name;
            continue;
        }
        std::ostringstream body;
        body << in.rdbuf();
        (*files_)[name] = {type, body.str()};
    }
    (*files_)["init.js"] = {"text/javascript; charset=utf-8", kInit};
}

void ApiDocs::add_routes(http::Router& router) {
    const http::RouteOptions open{.authenticated = false, .on_db_thread = false};
    auto document = document_;
    http::RouteOptions doc_options = open;
    doc_options.doc = {.summary = "The OpenAPI 3.1 document of this API",
                       .files = {"application/json"}};
    router.add(
        http::Method::kGet, "/api/v1/openapi.json",
        [document](RequestContext&, const Request&) -> Result<Response> {
            Response res;
            res.body = *document;
            res.headers.emplace_back("Cache-Control", "no-cache");
            return res;
        },
        doc_options);
    const std::string missing = missing_;
    const std::string dir = ui_dir_;
    const auto unavailable = [missing, dir] {
        return Error::unavailable("The API docs UI is not installed: " + missing + " is not in " +
                                  dir + " (scripts/install-deps.sh installs it).");
    };
    http::RouteOptions page = open;
    page.doc = {.summary = "The API docs UI (Swagger UI)", .files = {"text/html"}};
    router.add(
        http::Method::kGet, "/docs",
        [missing, unavailable](RequestContext&, const Request&) -> Result<Response> {
            if (!missing.empty()) return unavailable();
            return file_response("text/html; charset=utf-8", kIndex, "no-cache");
        },
        page);
    auto files = files_;
    http::RouteOptions asset = open;
    asset.doc = {.summary = "A file of the API docs UI",
                 .files = {"text/css", "text/javascript", "image/png"}};
    router.add(
        http::Method::kGet, "/docs/{file}",
        [files, missing, unavailable](RequestContext& ctx, const Request&) -> Result<Response> {
            const auto found = files->find(ctx.param("file"));
            if (found == files->end()) {
                if (!missing.empty()) return unavailable();
                return Error::not_found("File");
            }
            return file_response(found->second.content_type, found->second.body,
                                 "public, max-age=3600");
        },
        asset);
}

void ApiDocs::publish(const http::Router& router) {
    *document_ = http::openapi_document(
                     router, {.version = UJUMBE_VERSION,
                              .description = "Business messaging: SMS, WhatsApp and email, "
                                             "contacts, campaigns, the inbox, billing and a "
                                             "small CRM. Every answer is the envelope "
                                             "`{success, data, message}`; every error "
                                             "`{success: false, message, error_code, errors, "
                                             "details}`."})
                     .dump();
}

}  // namespace ujumbe::app
