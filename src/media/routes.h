#pragma once
// HTTP routes of media: POST/GET /api/v1/media, GET/DELETE
// /api/v1/media/{id}, and the signed GET /api/v1/media/{id}/content.

#include <cstdint>

#include "http/router.h"
#include "media/service.h"

namespace ujumbe::media {

// `max_upload_bytes`: the body limit of an upload (the file and its form).
void add_routes(http::Router& router, MediaService& s, std::uint64_t max_upload_bytes);

}  // namespace ujumbe::media
