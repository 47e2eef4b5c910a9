#!/usr/bin/env python3
"""Writes the benchmark's directory contents, AD-style (for ldap-server) or RFC-style (for slapd).

usage: gen_ldif.py ad|rfc USERS CERT.der SSHA-HASH > out.ldif
Both flavours hold the same objects: USERS users under the Users container and two CA objects
with the same DER certificate under Certification Authorities.
"""
import base64
import sys

flavour, users, cert_path, password_hash = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
cert = base64.b64encode(open(cert_path, "rb").read()).decode()
out = sys.stdout
write = out.write

if flavour == "ad":
    pks = "CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test"
    for name in ("Bench Root CA", "Bench Issuing CA"):
        write(f"dn: CN={name},CN=Certification Authorities,{pks}\nobjectClass: certificationAuthority\n"
              f"cACertificate:: {cert}\ncertificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n\n")
    for i in range(users):
        write(f"dn: CN=user{i},CN=Users,DC=example,DC=test\nobjectClass: user\ncn: user{i}\nsn: user{i}\n"
              f"sAMAccountName: user{i}\nuserPrincipalName: user{i}@example.test\nuserAccountControl: 512\n"
              f"pwdLastSet: 133000000000000000\nuserPassword: {password_hash}\n\n")
else:
    write("dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n")
    for ou in ("Users", "Configuration"):
        write(f"dn: cn={ou},dc=example,dc=test\nobjectClass: applicationProcess\ncn: {ou}\n\n")
    for name in ("Bench Root CA", "Bench Issuing CA"):
        write(f"dn: cn={name},cn=Configuration,dc=example,dc=test\nobjectClass: applicationProcess\n"
              f"objectClass: pkiCA\ncn: {name}\ncACertificate;binary:: {cert}\n\n")
    for i in range(users):
        write(f"dn: uid=user{i},cn=Users,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: user{i}\n"
              f"cn: user{i}\nsn: user{i}\nuserPassword: {password_hash}\n\n")
