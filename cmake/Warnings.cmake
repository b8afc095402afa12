# Warnings for the project's own targets: strict, and errors everywhere.
function(ujumbe_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror
                                             -Wno-missing-field-initializers)
    # GCC 12 (Debian 12's compiler) reports std::string and std::optional
    # code inlined at -O2 as out of bounds, overflowing, overreading or
    # uninitialized when it is not (GCC bugs 105329, 105651, 105562), the
    # more so once headers are precompiled. Real out-of-bounds and
    # uninitialized reads are what the sanitizer builds and the fuzz targets
    # look for.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread -Wno-maybe-uninitialized
                                                 -Wno-restrict)
    endif()
endfunction()
