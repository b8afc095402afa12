#pragma once
// The API's own documentation (docs/api-docs.md): GET /api/v1/openapi.json,
// the OpenAPI document of every route the server has, and /docs, Swagger
// UI reading it, served from the files the build installed (no network).
// Routes first, document after: add_routes() before the other routes are
// final (rate classes), publish() once they are.

#include <map>
#include <memory>
#include <string>

#include "http/router.h"

namespace ujumbe::app {

class ApiDocs {
public:
    // `ui_dir`: Swagger UI's dist; empty: where the build put it.
    explicit ApiDocs(std::string ui_dir);

    void add_routes(http::Router& router);
    // Makes the document of the router's routes as they are now.
    void publish(const http::Router& router);

private:
    struct File {
        std::string content_type, body;
    };
    std::string ui_dir_;
    std::shared_ptr<std::string> document_ = std::make_shared<std::string>();
    std::shared_ptr<std::map<std::string, File>> files_ =
        std::make_shared<std::map<std::string, File>>();
    std::string missing_;  // a file the UI needs and the directory lacks
};

}  // namespace ujumbe::app
