# An ENABLE_* option that is ON while its library is missing stops configuration and says which
# Debian package to install. pkg-config is wrapped so that it cannot find librdkafka.
set(work "${BUILD_DIR}/missing-library-test")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")
file(WRITE "${work}/pkg-config" "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = rdkafka ] && exit 1; done\nexec /usr/bin/pkg-config \"$@\"\n")
file(CHMOD "${work}/pkg-config" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

function(configure enable_kafka out_rc out_text)
    execute_process(
        COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${work}/build-${enable_kafka}"
                -DENABLE_KAFKA=${enable_kafka} -DPMACCT_BUILD_TESTS=OFF
                -DPKG_CONFIG_EXECUTABLE=${work}/pkg-config
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    set(${out_rc} ${rc} PARENT_SCOPE)
    set(${out_text} "${out}${err}" PARENT_SCOPE)
endfunction()

configure(ON rc text)
if(rc EQUAL 0)
    message(FATAL_ERROR "configuration succeeded with ENABLE_KAFKA=ON and no librdkafka")
endif()
if(NOT text MATCHES "ENABLE_KAFKA is ON but rdkafka was not found.[ \n]+Install librdkafka-dev")
    message(FATAL_ERROR "unexpected message:\n${text}")
endif()

configure(OFF rc text)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuration failed with ENABLE_KAFKA=OFF:\n${text}")
endif()
if(NOT text MATCHES "ENABLE_KAFKA: off")
    message(FATAL_ERROR "the summary does not show ENABLE_KAFKA off:\n${text}")
endif()
file(REMOVE_RECURSE "${work}")
