// Publication to an LDAP directory (RFC 4523 attribute types; ARCHITECTURE.md "Interfaces users
// expect": userCertificate;binary, certificateRevocationList;binary, cACertificate;binary),
// through the OpenLDAP client library (libldap: ldap_initialize, simple bind, add/modify with
// binary values). Tested against a real OpenLDAP slapd.
//
// Entries are named by the subject DN of the certificate (a CA's objects: of the CA certificate),
// under the target's base DN: the subject DN itself when it already ends with the base DN, else
// subject DN + "," + base DN. Missing entries and parents are created with a structural object
// class chosen by their RDN attribute (c country, o organization, ou organizationalUnit, l/st
// locality, dc domain, uid account, cn inetOrgPerson for holders and applicationProcess for CAs)
// and the auxiliary classes the values need (pkiUser; pkiCA + deltaCRL, RFC 4523 3.x).
//
// What goes where:
//   certificate     userCertificate;binary          value ADDED (a holder keeps its signing and
//                                                     encryption certificates, which share a DN)
//   CA certificate  cACertificate;binary            value ADDED (old and new key after a changeover)
//   full CRL        certificateRevocationList;binary REPLACED
//   delta CRL       deltaRevocationList;binary       REPLACED
//   ARL             authorityRevocationList;binary   REPLACED
// Adding a value that is already there succeeds, so a repeated delivery is harmless.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/store.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/name.h"

namespace yinxin::publish {

// The JSON configuration of an 'ldap' target:
//   {"url": "ldap://127.0.0.1:389", "bind_dn": "cn=admin,dc=example,dc=cn",
//    "password_file": "/etc/yinxin/ldap.secret", "base_dn": "dc=example,dc=cn",
//    "ca_file": "", "start_tls": false, "timeout_seconds": 10}
// The bind password stays in its file (first line, read at each connection), never in the store.
struct LdapConfig {
    std::string url;  // ldap:// or ldaps://
    std::string bind_dn;
    std::string password_file;
    std::string base_dn;
    std::string ca_file;  // ldaps:// or start_tls: the CA the directory's certificate chains to
    bool start_tls = false;
    std::chrono::seconds timeout{10};
};
// Strict: unknown keys, wrong types, a URL that is not ldap:// or ldaps://, an empty bind DN or
// base DN, a DN libldap cannot parse are publish.bad_config.
Result<LdapConfig> parse_ldap_config(std::string_view json_text);
std::string ldap_config_json(const LdapConfig& c);

// An LDAP DN as (attribute, value) pairs, most specific RDN first (RFC 4514 order).
struct DnAttribute {
    std::string type;  // LDAP short name ("cn", "o", "c", "dc", ...)
    std::string value;
};
using LdapRdn = std::vector<DnAttribute>;
using LdapDn = std::vector<LdapRdn>;

// The directory entry of a subject under `base_dn` (see the file comment). The string form comes
// from libldap (ldap_dn2str), so escaping is libldap's. publish.unsupported_name for an attribute
// type without a name in the standard schemas or a value that is not a string (x500UniqueIdentifier);
// publish.bad_config for a base DN libldap cannot parse.
Result<LdapDn> entry_dn(const x509::Name& subject, std::string_view base_dn);
Result<std::string> dn_string(const LdapDn& dn);

// One connection, bound with the target's DN and password. Not thread-safe.
class LdapDirectory {
public:
    // Connects and binds. publish.bad_config (URL, password file), publish.unreachable (no
    // connection, TLS failure, timeout, bind refused).
    static Result<std::unique_ptr<LdapDirectory>> connect(const LdapConfig& config);
    ~LdapDirectory();
    LdapDirectory(const LdapDirectory&) = delete;
    LdapDirectory& operator=(const LdapDirectory&) = delete;

    // Errors: publish.unsupported_name (the subject cannot name an entry here),
    // publish.unreachable (the connection broke), publish.rejected (the directory refused: the
    // message carries its result code and diagnostic).
    Status publish_certificate(const x509::Certificate& certificate);
    Status publish_ca_certificate(const x509::Certificate& ca_certificate);
    Status publish_crl(const x509::Certificate& ca_certificate, ca::CrlScope scope, BytesView crl_der);

private:
    struct Impl;
    explicit LdapDirectory(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::publish
