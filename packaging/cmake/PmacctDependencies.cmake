# Finds the system libraries pmacct-ng links: libpcap and fmt always, the rest per ENABLE_*
# option. Each found library becomes the imported target PkgConfig::<NAME>; its version is kept in
# PMACCT_<OPTION>_VERSION for the configure summary and `-V`.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)

pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)

# option, pkg-config module, target suffix, Debian package that provides it
set(PMACCT_FEATURE_TABLE
    "ENABLE_NFLOG|libnetfilter_log|NFLOG|libnetfilter-log-dev"
    "ENABLE_JANSSON|jansson|JANSSON|libjansson-dev"
    "ENABLE_KAFKA|rdkafka|KAFKA|librdkafka-dev"
    "ENABLE_AMQP|librabbitmq|AMQP|librabbitmq-dev"
    "ENABLE_MYSQL|libmariadb|MYSQL|libmariadb-dev"
    "ENABLE_PGSQL|libpq|PGSQL|libpq-dev"
    "ENABLE_SQLITE3|sqlite3|SQLITE3|libsqlite3-dev"
    "ENABLE_ZMQ|libzmq|ZMQ|libzmq3-dev"
    "ENABLE_GEOIPV2|libmaxminddb|GEOIPV2|libmaxminddb-dev"
    "ENABLE_NDPI|libndpi|NDPI|libndpi-dev"
    "ENABLE_AVRO|avro-c|AVRO|libavro-dev"
    "ENABLE_REDIS|hiredis|REDIS|libhiredis-dev")

set(PMACCT_FEATURE_OPTIONS "")
# Every enabled optional library, for the targets that use them.
add_library(pmacct_optional_libs INTERFACE)
# PMACCT_HAVE_<NAME>=0|1 and PMACCT_<NAME>_PKG_VERSION for every optional library, for the
# sources that report or branch on what the build has (build_info.cpp).
set(PMACCT_FEATURE_DEFINES "")

foreach(_row ${PMACCT_FEATURE_TABLE})
    string(REPLACE "|" ";" _f "${_row}")
    list(GET _f 0 _opt)
    list(GET _f 1 _module)
    list(GET _f 2 _name)
    list(GET _f 3 _debian)
    list(APPEND PMACCT_FEATURE_OPTIONS ${_opt})
    if(${_opt})
        pkg_check_modules(${_name} QUIET IMPORTED_TARGET ${_module})
        if(NOT ${_name}_FOUND)
            message(FATAL_ERROR
                "${_opt} is ON but ${_module} was not found. Install ${_debian} "
                "(packaging/scripts/setup-debian.sh installs everything) or configure with -D${_opt}=OFF.")
        endif()
        set(PMACCT_${_opt}_VERSION "${${_name}_VERSION}")
        target_link_libraries(pmacct_optional_libs INTERFACE PkgConfig::${_name})
        list(APPEND PMACCT_FEATURE_DEFINES
            PMACCT_HAVE_${_name}=1 PMACCT_${_name}_PKG_VERSION="${${_name}_VERSION}")
    else()
        list(APPEND PMACCT_FEATURE_DEFINES PMACCT_HAVE_${_name}=0 PMACCT_${_name}_PKG_VERSION="")
    endif()
endforeach()
