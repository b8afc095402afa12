#include "smpp_server/model.h"

namespace ujumbe::smpp_server {

const char* bind_name(BindKind b) {
    switch (b) {
        case BindKind::kTransmitter:
            return "transmitter";
        case BindKind::kReceiver:
            return "receiver";
        case BindKind::kTransceiver:
            return "transceiver";
    }
    return "transceiver";
}

std::optional<BindKind> parse_bind(std::string_view name) {
    if (name == "transmitter") return BindKind::kTransmitter;
    if (name == "receiver") return BindKind::kReceiver;
    if (name == "transceiver") return BindKind::kTransceiver;
    return std::nullopt;
}

}  // namespace ujumbe::smpp_server
