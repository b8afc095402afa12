#include "channels/whatsapp_cloud/media_upload.h"

#include "channels/whatsapp_cloud/graph.h"
#include "core/json.h"

namespace ujumbe::channels::whatsapp {

namespace {

using json = nlohmann::json;

}  // namespace

std::optional<UploadRef> upload_of(const json& object) {
    if (!object.is_object()) return std::nullopt;
    UploadRef ref;
    ref.type = string_at(object, "type");
    auto media = object.find(ref.type);
    if (ref.type.empty() || media == object.end() || !media->is_object()) return std::nullopt;
    auto upload = media->find("upload");
    if (upload == media->end() || !upload->is_object()) return std::nullopt;
    ref.sha256 = string_at(*upload, "sha256");
    ref.mime_type = string_at(*upload, "mime_type");
    ref.filename = string_at(*upload, "filename");
    return ref;
}

void use_meta_media(json& object, const UploadRef& ref, const std::string& meta_id) {
    auto& media = object[ref.type];
    media.erase("upload");
    media["id"] = meta_id;
}

std::string upload_form(const std::string& boundary, const UploadRef& ref, std::string_view bytes) {
    const std::string dash = "--" + boundary + "\r\n";
    std::string out;
    out.reserve(bytes.size() + 512);
    out += dash + "Content-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n";
    out += dash + "Content-Disposition: form-data; name=\"type\"\r\n\r\n" + ref.mime_type + "\r\n";
    // The name is the store's (the hash): the caller's own name travels in
    // the message as the document's filename.
    out += dash + "Content-Disposition: form-data; name=\"file\"; filename=\"" + ref.sha256 +
           "\"\r\nContent-Type: " + ref.mime_type + "\r\n\r\n";
    out.append(bytes);
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}

std::variant<std::string, PartOutcome> read_upload_answer(const HttpAnswer& answer) {
    PartOutcome p;
    if (!answer.answered || answer.status < 200 || answer.status > 299) {
        if (!answer.answered) {
            p.retryable = true;  // nothing was sent yet: the upload is tried again
            p.error_code = "UNREACHABLE";
            p.error_message = answer.error;
            return p;
        }
        const GraphError e = read_graph_error(answer.status, answer.body);
        p.error_code = e.code >= 0 ? "WHATSAPP_" + std::to_string(e.code)
                                   : "WHATSAPP_HTTP_" + std::to_string(answer.status);
        p.error_message = "The media upload was refused: " + e.message;
        p.retryable = e.transient() || e.auth_failed();
        p.answered = !p.retryable;
        return p;
    }
    JsonParseProblem problem;
    const auto doc = parse_json_bounded(answer.body, problem);
    const std::string id = string_at(doc, "id");
    if (!id.empty()) return id;
    p.answered = true;
    p.error_code = "BAD_ANSWER";
    p.error_message = "The Graph API took the media without naming it.";
    return p;
}

std::optional<std::string> UploadedMedia::find(const std::string& sha256, Done done, bool& start) {
    std::lock_guard lock(mutex_);
    start = false;
    if (auto it = known_.find(sha256); it != known_.end()) {
        if (std::chrono::steady_clock::now() < it->second.until) return it->second.meta_id;
        known_.erase(it);
    }
    auto& waiters = waiting_[sha256];
    start = waiters.empty();
    waiters.push_back(std::move(done));
    return std::nullopt;
}

void UploadedMedia::finish(const std::string& sha256,
                           const std::variant<std::string, PartOutcome>& outcome) {
    std::vector<Done> waiters;
    {
        std::lock_guard lock(mutex_);
        if (const auto* id = std::get_if<std::string>(&outcome))
            known_[sha256] = {*id, std::chrono::steady_clock::now() + kKeep};
        if (auto it = waiting_.find(sha256); it != waiting_.end()) {
            waiters = std::move(it->second);
            waiting_.erase(it);
        }
    }
    for (auto& w : waiters) w(outcome);
}

}  // namespace ujumbe::channels::whatsapp
