#pragma once
// Email as a message channel: the checks the accept path asks of every
// message of channel email (a subject, a text body and optionally HTML, an
// optional display name), and the unsubscribe link every marketing mail
// carries (RFC 8058: List-Unsubscribe with List-Unsubscribe-Post, and a
// line at the foot of the text and the HTML). Transactional mail goes
// without one. The mail itself is sent by an smtp gateway that a routing
// rule of channel email names.

#include "contacts/unsubscribe_links.h"
#include "messaging/ports.h"

namespace ujumbe::messaging {

struct EmailLimits {
    std::size_t subject_chars = 255;
    std::size_t text_bytes = 100'000;
    std::size_t html_bytes = 500'000;
    std::size_t from_name_chars = 100;
};

class EmailChannel final : public SendChannel {
public:
    explicit EmailChannel(const contacts::UnsubscribeLinks& links, EmailLimits limits = {});

    // `m.to` is the lower-cased address, checked by the accept path.
    Result<std::optional<Error>> check(db::Connection& c, const SendRequest& r,
                                       const Message* replied, Message& m) override;
    // What check does, without the database it does not need: fills `m`
    // (sender, body, content) or answers the refusal.
    std::optional<Error> compose(const SendRequest& r, const Message* replied, Message& m) const;

private:
    const contacts::UnsubscribeLinks& links_;
    EmailLimits limits_;
};

}  // namespace ujumbe::messaging
