#pragma once
// Text placed into HTML: the five characters that could start markup or end
// an attribute become entities.

#include <string>
#include <string_view>

namespace ujumbe {

std::string html_escape(std::string_view text);

}  // namespace ujumbe
