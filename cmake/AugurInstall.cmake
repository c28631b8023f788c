# Standard locations: binaries in sbin/bin, the unit in systemd's unit dir, the default
# config in /etc/augur (a conffile in the .deb), docs in share/doc/augur.
install(FILES config/augur.yaml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/augur)
install(FILES systemd/augur.service DESTINATION lib/systemd/system)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md"
        PATTERN "*.png" PATTERN "man" EXCLUDE)
