# Every third-party dependency is found here, once. Debian 12 package names are in .ci/packages.txt.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)
pkg_check_modules(LIBVIRT REQUIRED IMPORTED_TARGET libvirt)
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
# Traffic control over netlink (actuate/tc_backend): libnl-route brings libnl-3's socket API.
pkg_check_modules(LIBNL_ROUTE REQUIRED IMPORTED_TARGET libnl-route-3.0 libnl-3.0)
# The fleet store's PostgreSQL client (store/postgres_store): libpq only, no C++ wrapper.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

# libpfm4 ships no pkg-config file on Debian.
find_path(PFM_INCLUDE_DIR perfmon/pfmlib_perf_event.h REQUIRED)
find_library(PFM_LIBRARY pfm REQUIRED)
add_library(augur::pfm UNKNOWN IMPORTED)
set_target_properties(augur::pfm PROPERTIES IMPORTED_LOCATION ${PFM_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${PFM_INCLUDE_DIR})

if(AUGUR_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(AUGUR_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
