# SM2 cross-checks against independent implementations (issue 2): the openssl CLI and
# BouncyCastle (tests/crypto/crosscheck/). Included from tests/crypto/CMakeLists.txt.
#
# The external tools are REQUIRED at test time: when one is missing the tests fail with a message
# naming the Debian package; they never skip, because CI installs them (libbcprov-java,
# default-jdk-headless, openssl). Configuring still succeeds so the rest of the tree builds.

# The tool paths (YINXIN_OPENSSL_CLI, Java_*, YINXIN_BCPROV_JAR) are found in tests/CMakeLists.txt
# and reach the tests through tests/support/test_support.h.

set(yx_xc_class_dir ${CMAKE_CURRENT_BINARY_DIR}/crosscheck_classes)
set(yx_xc_missing "")
if(NOT Java_JAVAC_EXECUTABLE OR NOT Java_JAVA_EXECUTABLE)
  string(APPEND yx_xc_missing "a JDK (javac and java) ")
endif()
if(NOT EXISTS ${YINXIN_BCPROV_JAR})
  string(APPEND yx_xc_missing "${YINXIN_BCPROV_JAR} ")
endif()
string(STRIP "${yx_xc_missing}" yx_xc_missing)

if(yx_xc_missing)
  message(WARNING "SM2 BouncyCastle cross-check tests will FAIL: missing ${yx_xc_missing} "
                  "(apt-get install -y libbcprov-java default-jdk-headless)")
else()
  # -Xlint:-path: Debian's bcprov.jar manifest names optional jars that are not installed.
  add_custom_command(
    OUTPUT ${yx_xc_class_dir}/Sm2Check.class
    COMMAND ${CMAKE_COMMAND} -E make_directory ${yx_xc_class_dir}
    COMMAND ${Java_JAVAC_EXECUTABLE} -encoding UTF-8 -Xlint:all,-path -Werror -cp ${YINXIN_BCPROV_JAR}
            -d ${yx_xc_class_dir} ${CMAKE_CURRENT_SOURCE_DIR}/crosscheck/Sm2Check.java
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/crosscheck/Sm2Check.java ${YINXIN_BCPROV_JAR}
    COMMENT "Compiling the BouncyCastle SM2 checker (Sm2Check.java)"
    VERBATIM)
  add_custom_target(crypto_crosscheck_java DEPENDS ${yx_xc_class_dir}/Sm2Check.class)
endif()
if(NOT YINXIN_OPENSSL_CLI)
  message(WARNING "SM2 openssl CLI cross-check tests will FAIL: no openssl program (apt-get install -y openssl)")
endif()

yinxin_test(crypto_crosscheck_test
  SOURCES crosscheck_openssl_test.cpp crosscheck_bc_test.cpp
  DEPENDS yinxin_crypto)
target_compile_definitions(crypto_crosscheck_test PRIVATE
  YX_XC_CLASS_DIR="${yx_xc_class_dir}"
  YX_XC_SCRIPT_DIR="${CMAKE_CURRENT_SOURCE_DIR}/crosscheck")
if(TARGET crypto_crosscheck_java)
  add_dependencies(crypto_crosscheck_test crypto_crosscheck_java)
endif()
