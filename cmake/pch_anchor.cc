// Compiled only to build a shared precompiled header (CMakeLists.txt,
// ujumbe_pch_set); the targets that read the header set reuse it.
