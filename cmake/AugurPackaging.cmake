# Man pages and the Debian package. `cpack -G DEB` in a build tree (after the build) makes
# augur_<version>_<arch>.deb from the install rules: binaries, unit, config (a conffile), docs
# (cmake/AugurInstall.cmake, src/cli) and the man pages below, with the maintainer scripts in
# packaging/ and Depends computed by dpkg-shlibdeps.

# Man pages, gzipped at build time as Debian policy wants them.
set(AUGUR_MAN_PAGES augurd.8 augurctl.8 augur.yaml.5)
set(augur_man_outputs "")
foreach(page IN LISTS AUGUR_MAN_PAGES)
  string(REGEX MATCH "[0-9]$" section ${page})
  set(out ${PROJECT_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${PROJECT_SOURCE_DIR}/docs/man/${page} -DOUT=${out}
            -P ${PROJECT_SOURCE_DIR}/docs/man/gzip-page.cmake
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/${page} ${PROJECT_SOURCE_DIR}/docs/man/gzip-page.cmake
    COMMENT "Compressing man page ${page}" VERBATIM)
  list(APPEND augur_man_outputs ${out})
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(augur_man_pages ALL DEPENDS ${augur_man_outputs})

# The configuration is installed at an absolute path computed from the prefix; a package
# must put it in /etc, which GNUInstallDirs gives only for the /usr prefix.
set(AUGUR_CONFFILE ${CMAKE_INSTALL_FULL_SYSCONFDIR}/augur/augur.yaml)
if(NOT CMAKE_INSTALL_FULL_SYSCONFDIR STREQUAL "/etc")
  message(STATUS "Packaging: the config installs to ${AUGUR_CONFFILE}; a .deb needs "
                 "-DCMAKE_INSTALL_PREFIX=/usr (config in /etc/augur)")
endif()
file(WRITE ${PROJECT_BINARY_DIR}/packaging/conffiles "${AUGUR_CONFFILE}\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME augur)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
# The long description, wrapped for dpkg's 80 columns.
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "augurd samples hardware performance counters and resource usage of every\n"
  "VM and container on a host, learns what each application type normally\n"
  "looks like, notices when an instance drifts, predicts its need from similar\n"
  "past episodes and adjusts its CPU, memory, disk and network allocation in\n"
  "small, bounded steps through cgroups or libvirt. It starts in observe mode\n"
  "and changes nothing until told to. augurctl inspects and steers it; the\n"
  "daemon serves Prometheus metrics on loopback.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(AUGUR_PACKAGE_MAINTAINER "Augur maintainers <root@localhost>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${AUGUR_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps (dpkg-dev); adduser runs in postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libvirt-daemon-system, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/conffiles ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm ${PROJECT_SOURCE_DIR}/packaging/postrm)
# Maintainer scripts 0755, conffiles 0644, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
