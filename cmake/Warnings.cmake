# Warnings for the project's own targets: strict, and errors everywhere.
function(ujumbe_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror
                                             -Wno-missing-field-initializers)
endfunction()
