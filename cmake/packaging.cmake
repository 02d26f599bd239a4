# packaging.cmake - `cmake --install` and `cpack -G DEB` (included by
# CMakeLists.txt). Installs the three services (not spider-sim, not the test,
# drill or bench programs), their docs, systemd units, sysusers/tmpfiles
# snippets, man pages made from --help by help2man, and bash completion, in
# their FHS places under CMAKE_INSTALL_PREFIX (/usr/local by default; /usr in
# the .deb). Checked by tests/unit/test_package.sh (unit.package).
include(GNUInstallDirs)

set(SPIDER_PROGRAMS spider-collector spider-differ spider-publisher)
file(STRINGS ${CMAKE_SOURCE_DIR}/lib/version.h _ver REGEX "define SPIDER_VERSION \"")
string(REGEX REPLACE ".*\"([^\"]+)\".*" "\\1" SPIDER_VERSION_STRING "${_ver}")

install(TARGETS ${SPIDER_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Docs, with the example configuration and the Prometheus alert rules.
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/operations.md
  ${CMAKE_SOURCE_DIR}/docs/compatibility.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/etc/spider/
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/etc)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/prometheus/alerts.yml
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/prometheus)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/grafana/spider.json
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/grafana)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/cron/spider-collector.cron
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/cron)

# Man pages: help2man over each program's --help and --version.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(_pages "")
  set(name_spider-collector "HTCondor schedd queues and history to Kafka")
  set(name_spider-differ "queue snapshots to change events and lost-job alerts, and compares of two indices")
  set(name_spider-publisher "Kafka to Elasticsearch/OpenSearch clusters and ActiveMQ")
  foreach(p ${SPIDER_PROGRAMS})
    set(page ${CMAKE_BINARY_DIR}/man/${p}.1)
    add_custom_command(OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section=1
              --source=spider "--name=${name_${p}}" --output=${page} $<TARGET_FILE:${p}>
      DEPENDS ${p}
      COMMENT "help2man ${p}" VERBATIM)
    list(APPEND _pages ${page})
  endforeach()
  add_custom_target(man ALL DEPENDS ${_pages})
  install(FILES ${_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found (deploy/install-deps.sh installs it): no man pages; cmake --install will fail")
  install(CODE "message(FATAL_ERROR \"help2man was not found at configure time: no man pages to install\")")
endif()

# Bash completion: one script, under each program's name (lazy loading).
foreach(p ${SPIDER_PROGRAMS})
  install(FILES ${CMAKE_SOURCE_DIR}/deploy/bash-completion/spider
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${p})
endforeach()

# systemd: the units name /usr/local/bin and /usr/local/share/doc/spider (a
# hand install); they are rewritten for the prefix installed to, at install
# time, so the .deb's units name /usr/bin and /usr/share/doc/spider.
file(GLOB SPIDER_UNITS ${CMAKE_SOURCE_DIR}/deploy/systemd/*.service)
install(CODE "
  set(_units \"${SPIDER_UNITS}\")
  set(_dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  file(MAKE_DIRECTORY \"\${_dir}\")
  foreach(_u \${_units})
    file(READ \"\${_u}\" _text)
    string(REPLACE \"/usr/local/bin\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\" _text \"\${_text}\")
    string(REPLACE \"/usr/local/share/doc/spider\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\" _text \"\${_text}\")
    get_filename_component(_n \"\${_u}\" NAME)
    message(STATUS \"Installing: \${_dir}/\${_n}\")
    file(WRITE \"\${_dir}/\${_n}\" \"\${_text}\")
  endforeach()
")
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/spider.sysusers.conf
  DESTINATION lib/sysusers.d RENAME spider.conf)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/spider.tmpfiles.conf
  DESTINATION lib/tmpfiles.d RENAME spider.conf)

# The .deb: /usr prefix, Debian's runtime libraries, the spider user and the
# directories of spider.tmpfiles.conf made by postinst.
set(CPACK_PACKAGE_NAME spider)
set(CPACK_PACKAGE_VERSION ${SPIDER_VERSION_STRING})
set(CPACK_PACKAGE_CONTACT "spider maintainers <spider@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HTCondor job monitoring: collector, differ and publisher services")
set(CPACK_PACKAGE_DESCRIPTION "spider polls HTCondor schedds to Kafka (spider-collector), turns queue snapshots into change events and lost-job alerts (spider-differ) and publishes to Elasticsearch/OpenSearch and ActiveMQ (spider-publisher).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "librdkafka1, libprotobuf-c1, libjansson4, libcurl4, libmicrohttpd12, libssl3, zlib1g, libc6")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "htcondor")
configure_file(${CMAKE_SOURCE_DIR}/deploy/debian/postinst ${CMAKE_BINARY_DIR}/debian/postinst COPYONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/debian/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
include(CPack)
