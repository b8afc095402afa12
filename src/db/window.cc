#include "db/window.h"

namespace ujumbe::db {

std::string window_clause(Filter& f, const Window& w, const std::string& at,
                          const std::string& id) {
    const bool newer = w.cursor && w.cursor->newer;
    if (w.cursor) {
        // (at, id) < (t, i), spelled so that the index on (..., at) bounds
        // the scan on both engines: the first term is a range on it.
        const auto t = f.bind(w.cursor->from.at);
        const auto i = f.bind(w.cursor->from.id);
        const std::string cmp = newer ? ">" : "<";
        f.where(at + " " + cmp + "= " + t + " AND (" + at + " " + cmp + " " + t + " OR " + id +
                " " + cmp + " " + i + ")");
    }
    const char* order = newer ? " ASC" : " DESC";
    std::string tail =
        " ORDER BY " + at + order + ", " + id + order + " LIMIT " + f.bind(w.limit + 1);
    if (!w.keyset) tail += " OFFSET " + f.bind(w.offset);
    return tail;
}

}  // namespace ujumbe::db
