#pragma once
// Sending a file of the account's media: the gateway uploads it to Meta
// (POST /{phone_number_id}/media, multipart) and sends the message with the
// media id Meta gives, which it keeps for reuse while Meta keeps the file
// (30 days), so a campaign with one picture uploads it once per number.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "channels/gateway.h"
#include "channels/http_client.h"

namespace ujumbe::channels::whatsapp {

// What the sending check put in the message object for a media file.
struct UploadRef {
    std::string type;  // image | document | audio | video: the object's key
    std::string sha256, mime_type, filename;
};

// The file to upload of a message object, nullopt when it names none.
std::optional<UploadRef> upload_of(const nlohmann::json& object);
// The object with Meta's media id in place of the file.
void use_meta_media(nlohmann::json& object, const UploadRef& ref, const std::string& meta_id);

// The multipart/form-data body of an upload.
std::string upload_form(const std::string& boundary, const UploadRef& ref, std::string_view bytes);
// Meta's media id from its answer, or what the message's outcome is when
// there is none (retryable when Meta asks to wait).
std::variant<std::string, PartOutcome> read_upload_answer(const HttpAnswer& answer);

// Meta's ids of files uploaded through one number, with uploads in flight:
// a second message with a file being uploaded waits for the same upload.
class UploadedMedia {
public:
    using Done = std::function<void(std::variant<std::string, PartOutcome>)>;
    static constexpr std::chrono::hours kKeep{24 * 29};  // Meta keeps them 30 days

    // Meta's id when known; otherwise `done` waits, and true is returned
    // when the caller must start the upload (the first to ask).
    std::optional<std::string> find(const std::string& sha256, Done done, bool& start);
    // The upload ended: every waiter gets the outcome; an id is kept.
    void finish(const std::string& sha256, const std::variant<std::string, PartOutcome>& outcome);

private:
    struct Known {
        std::string meta_id;
        std::chrono::steady_clock::time_point until;
    };
    std::mutex mutex_;
    std::map<std::string, Known> known_;
    std::map<std::string, std::vector<Done>> waiting_;
};

}  // namespace ujumbe::channels::whatsapp
