#pragma once
// A customer's timeline is read from several sources (the CRM's records,
// the messages sent to the customer, the messages the customer sent), each
// a window over its own rows in the same order: the windows are merged here
// into the window the caller asked for. Pure.

#include <vector>

#include "crm/store.h"
#include "db/window.h"

namespace ujumbe::crm {

// The window each source is read with: the caller's, except that a page
// by number reads every source from its start to the end of the page.
db::Window source_window(const db::Window& w);

// The caller's window of the sources' windows (each read with
// source_window(w)), newest first, with the sum of their counts and the
// cursors around it.
db::WindowListing<store::Entry> merge_windows(std::vector<db::WindowListing<store::Entry>> parts,
                                              const db::Window& w);

}  // namespace ujumbe::crm
