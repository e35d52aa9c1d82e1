# pmacct_warnings: the compiler settings every target of the project links (STYLE.md).
add_library(pmacct_warnings INTERFACE)
target_compile_options(pmacct_warnings INTERFACE
    -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wformat=2)
if(PMACCT_WERROR)
    target_compile_options(pmacct_warnings INTERFACE -Werror)
endif()
if(PMACCT_SANITIZE)
    target_compile_options(pmacct_warnings INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(pmacct_warnings INTERFACE -fsanitize=address,undefined)
endif()
