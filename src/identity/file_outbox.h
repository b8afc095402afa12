#pragma once
// A Mailer that writes each mail as a file in a directory
// (<data_dir>/outbox), readable by the server's user only (mode 0600): the
// mails carry secrets such as invitation tokens. A file appears whole
// (written aside, then renamed), named so that names sort by sending time.

#include <string>

#include "identity/mailer.h"

namespace ujumbe::identity {

class FileOutbox final : public Mailer {
public:
    explicit FileOutbox(std::string dir) : dir_(std::move(dir)) {}
    Status send(const Mail& mail) override;

private:
    std::string dir_;
};

}  // namespace ujumbe::identity
