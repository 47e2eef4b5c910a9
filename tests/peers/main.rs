//! End-to-end tests, peers kind: programs we did not write, driving our server or driven by our
//! code: OpenLDAP's `ldapsearch`/`ldapwhoami`/`ldapadd`/`ldapmodify`/`ldapdelete`/`ldapmodrdn` and
//! slapd, Samba AD DC, dnsmasq, python's ldap3 (`$E2E_PYTHON`). `.ci/run` installs them; a missing
//! peer is a failure. Run with `cargo test -p e2e --test peers`.
//!
//! * [`dc_tls`]: the DC's StartTLS, LDAPS and signing policy through `ldapsearch`, `openssl
//!   s_client` and python's ldap3.
//! * [`directory_ldapsearch`]: the directory read with `ldapsearch` and `ldapwhoami`.
//! * [`directory_writes`]: Add, Modify, Delete and ModifyDN with the OpenLDAP write tools.
//! * [`ntlm_impacket`]: impacket's NTLM logons (Sicily; GSS-SPNEGO over LDAPS) against our DC.
//! * [`web_enrollment_ntlm`]: impacket's NTLM client signing in to Web Enrollment over HTTP.
//! * [`ntlm_python_ldap3`]: python ldap3's NTLM (Sicily) bind against our DC.
//! * [`directory_python_ldap3`]: python's ldap3 decoding values with the subschema.
//! * [`ldap_tls`]: `phone-client` and `adpki` over StartTLS and LDAPS to slapd and to Samba AD DC
//!   as installed (strong auth required); bad certificates and policy refusals reported.
//! * [`phone_directory`]: the phone against OpenLDAP slapd, and finding the DC through dnsmasq.
//! * [`publish_openldap`]: `adpki publish --profile rfc` into OpenLDAP slapd.
//! * [`publish_samba`]: `adpki publish` into Samba AD DC and into `ldap-server`, compared.

mod dc_tls;
mod directory_ldapsearch;
mod directory_python_ldap3;
mod directory_writes;
mod ldap_tls;
mod ntlm_impacket;
mod ntlm_ldbsearch;
mod ntlm_python_ldap3;
mod phone_directory;
mod publish_openldap;
mod publish_samba;
mod web_enrollment_ntlm;
