#include "crm/timeline.h"

#include <algorithm>

namespace ujumbe::crm {

db::Window source_window(const db::Window& w) {
    if (w.keyset) return w;
    db::Window whole = w;
    whole.limit = w.offset + w.limit;
    whole.offset = 0;
    return whole;
}

db::WindowListing<store::Entry> merge_windows(std::vector<db::WindowListing<store::Entry>> parts,
                                              const db::Window& w) {
    db::WindowListing<store::Entry> out;
    bool more = false, newer_beyond = false;
    for (auto& part : parts) {
        out.count += part.count;
        out.count_is_estimate = out.count_is_estimate || part.count_is_estimate;
        more = more || part.more;
        newer_beyond = newer_beyond || part.previous.has_value();
        for (auto& entry : part.items) out.items.push_back(std::move(entry));
    }
    auto& items = out.items;
    std::sort(items.begin(), items.end(), [](const store::Entry& a, const store::Entry& b) {
        return a.at != b.at ? a.at > b.at : a.id > b.id;
    });
    const auto limit = static_cast<std::size_t>(w.limit);
    const bool newer = w.cursor && w.cursor->newer;
    if (!w.keyset) {
        // Pages by number: the page's slice of every source's first rows.
        const auto offset = std::min(items.size(), static_cast<std::size_t>(w.offset));
        more = more || items.size() > offset + limit;
        items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(offset));
        if (items.size() > limit) items.resize(limit);
        out.more = more;
        return out;
    }
    if (newer) {
        // Toward newer rows: the ones nearest the cursor, the oldest.
        newer_beyond = newer_beyond || items.size() > limit;
        if (items.size() > limit)
            items.erase(items.begin(), items.end() - static_cast<std::ptrdiff_t>(limit));
        more = true;
    } else {
        more = more || items.size() > limit;
        if (items.size() > limit) items.resize(limit);
    }
    out.more = more;
    if (items.empty()) return out;
    const auto position = [](const store::Entry& e) { return db::Position{e.at, e.id}; };
    if (more) out.next = db::Cursor{position(items.back()), false};
    if (newer ? newer_beyond : w.cursor.has_value())
        out.previous = db::Cursor{position(items.front()), true};
    return out;
}

}  // namespace ujumbe::crm
