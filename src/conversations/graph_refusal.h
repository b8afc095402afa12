#pragma once
// A refusal of the Graph API as this server answers it: 503 to try again
// when Meta is away or busy, 422 otherwise, naming the field to fix, with
// Meta's code in the details (never its text as the message alone).

#include <string>

#include "channels/whatsapp_cloud/graph.h"
#include "core/result.h"

namespace ujumbe::conversations {

std::string describe(const channels::whatsapp::GraphError& e);
// `code` and `message` for a refusal that is neither transient nor of the
// token; `field` is the one to fix then.
Error graph_refusal(const channels::whatsapp::GraphError& e, std::string field, std::string code,
                    std::string message);

}  // namespace ujumbe::conversations
