#include "channels/builtin_kinds.h"

#include "channels/http_provider/http_kind.h"
#include "channels/sandbox/sandbox_kind.h"
#include "channels/smpp/smpp_kind.h"
#include "channels/smtp/smtp_kind.h"
#include "channels/whatsapp_cloud/whatsapp_kind.h"

namespace ujumbe::channels {

void add_builtin_kinds(KindRegistry& kinds) {
    kinds.add(sandbox_kind());
    kinds.add(smpp_kind());
    kinds.add(http_kind());
    kinds.add(whatsapp_kind());
    kinds.add(smtp_kind());
}

}  // namespace ujumbe::channels
