#!/usr/bin/env python3
"""Writes the small seed corpora under fuzz/corpus/ (run from the repository root; needs
python's impacket for the NTLM messages and openssl for the certificates). The seeds are
checked in; this script says where they came from."""
import base64, os, subprocess, sys, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body

def integer(value):
    return tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))

def octets(text, tag=0x04):
    return tlv(tag, text.encode() if isinstance(text, str) else text)

def enum(value):
    return tlv(0x0A, bytes([value]))

def boolean(value):
    return tlv(0x01, b"\xff" if value else b"\x00")

def message(message_id, op):
    return tlv(0x30, integer(message_id) + op)

def simple_bind(name, password):
    return tlv(0x60, integer(3) + octets(name) + octets(password, 0x80))

def sasl_bind(mechanism, credentials):
    return tlv(0x60, integer(3) + octets("") + tlv(0xA3, octets(mechanism) + octets(credentials)))

def sicily(choice, name, token):
    return tlv(0x60, integer(3) + octets(name) + octets(token, 0x80 | choice))

def equality(attribute, value):
    return tlv(0xA3, octets(attribute) + octets(value))

def present(attribute):
    return octets(attribute, 0x87)

def substrings(attribute, initial=None, any_=(), final=None):
    parts = b""
    if initial is not None:
        parts += octets(initial, 0x80)
    for piece in any_:
        parts += octets(piece, 0x81)
    if final is not None:
        parts += octets(final, 0x82)
    return tlv(0xA4, octets(attribute) + tlv(0x30, parts))

def extensible(rule, attribute, value):
    return tlv(0xA9, octets(rule, 0x81) + octets(attribute, 0x82) + octets(value, 0x83))

def f_and(*filters):
    return tlv(0xA0, b"".join(filters))

def f_or(*filters):
    return tlv(0xA1, b"".join(filters))

def f_not(inner):
    return tlv(0xA2, inner)

def search(base, scope, filt, attributes=()):
    return tlv(0x63, octets(base) + enum(scope) + enum(0) + integer(0) + integer(0)
               + boolean(False) + filt + tlv(0x30, b"".join(octets(a) for a in attributes)))

def add(dn, attributes):
    attrs = b"".join(tlv(0x30, octets(name) + tlv(0x31, b"".join(octets(v) for v in values)))
                     for name, values in attributes)
    return tlv(0x68, octets(dn) + tlv(0x30, attrs))

def extended(oid, value=None):
    body = octets(oid, 0x80)
    if value is not None:
        body += octets(value, 0x81)
    return tlv(0x77, body)

UNBIND = tlv(0x42, b"")
DOMAIN = "DC=example,DC=test"
CONFIG = "CN=Configuration," + DOMAIN

FILTERS = [
    equality("objectCategory", "certificationAuthority"),
    f_and(present("objectClass"), f_or(substrings("cn", "a", ["b"], "c"), f_not(equality("cn", "x")))),
    extensible("1.2.840.113556.1.4.803", "userAccountControl", "2"),
    f_or(*[equality("sAMAccountName", "user%d" % i) for i in range(20)]),
    substrings("description", None, ["*", "**", "a"], None),
]

def write(target, name, data):
    directory = os.path.join(ROOT, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as out:
        out.write(data)

def ntlm_messages():
    from impacket import ntlm
    negotiate = ntlm.getNTLMSSPType1("", "EXAMPLE", signingRequired=True, use_ntlmv2=True)
    # A CHALLENGE as a DC sends it (MS-NLMP 2.2.1.2), then the AUTHENTICATE impacket builds for it.
    import struct
    name = "EXAMPLE".encode("utf-16le")
    pairs = b""
    for av_id, value in [(2, name), (1, "DC1".encode("utf-16le")), (4, "example.test".encode("utf-16le")),
                         (3, "dc1.example.test".encode("utf-16le")), (7, (133000000000000000).to_bytes(8, "little"))]:
        pairs += struct.pack("<HH", av_id, len(value)) + value
    pairs += b"\x00\x00\x00\x00"
    flags = negotiate["flags"] | ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO
    challenge = (b"NTLMSSP\x00" + struct.pack("<I", 2) + struct.pack("<HHI", len(name), len(name), 56)
                 + struct.pack("<I", flags) + b"\x01\x23\x45\x67\x89\xab\xcd\xef" + b"\x00" * 8
                 + struct.pack("<HHI", len(pairs), len(pairs), 56 + len(name))
                 + b"\x0a\x00\x63\x45\x00\x00\x00\x0f" + name + pairs)
    authenticate, _ = ntlm.getNTLMSSPType3(negotiate, challenge, "alice", "Secret-1",
                                           "EXAMPLE", use_ntlmv2=True)
    return negotiate.getData(), challenge, authenticate.getData()

def spnego_init(token):
    from impacket.spnego import SPNEGO_NegTokenInit, TypesMech
    blob = SPNEGO_NegTokenInit()
    blob["MechTypes"] = [TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]]
    blob["MechToken"] = token
    return blob.getData()

def main():
    negotiate, challenge, authenticate = ntlm_messages()
    init = spnego_init(negotiate)
    for name, token in [("negotiate", negotiate), ("challenge", challenge),
                        ("authenticate", authenticate), ("spnego-init", init)]:
        write("ntlm_token", name, token)

    streams = {
        "anonymous-searches": message(1, simple_bind("", ""))
        + message(2, search("", 0, present("objectClass"), ["namingContexts", "supportedSASLMechanisms"]))
        + b"".join(message(3 + i, search(DOMAIN if i % 2 else CONFIG, 2, f, ["cACertificate", "cn"]))
                   for i, f in enumerate(FILTERS))
        + message(20, UNBIND),
        "admin-writes": message(1, simple_bind("Administrator@example.test", "Fuzz-Admin-1"))
        + message(2, add("CN=Fuzz CA,CN=Certification Authorities,CN=Public Key Services,CN=Services," + CONFIG,
                         [("objectClass", ["top", "certificationAuthority"]), ("cACertificate", ["\x30\x03\x02\x01\x00"]),
                          ("authorityRevocationList", ["\x00"]), ("certificateRevocationList", ["\x00"])]))
        + message(3, search(CONFIG, 2, FILTERS[0], ["cACertificate"])),
        "sicily": message(1, sicily(9, "", b"")) + message(2, sicily(10, "NTLM", negotiate))
        + message(3, sicily(11, "", authenticate)),
        "gss-spnego": message(1, sasl_bind("GSS-SPNEGO", init)) + message(2, sasl_bind("GSS-SPNEGO", negotiate)),
        "extended": message(1, extended("1.3.6.1.4.1.4203.1.11.3"))
        + message(2, extended("1.3.6.1.4.1.1466.20037")),
        "truncated": message(1, simple_bind("x", "y"))[:9],
    }
    for name, data in streams.items():
        write("ldap_stream", name, data)
    for i, f in enumerate(FILTERS):
        write("ldap_filter", "filter-%d" % i, f)
    for i, text in enumerate([DOMAIN, "CN=Certification Authorities,CN=Public Key Services,CN=Services," + CONFIG,
                              r"CN=a\,b+OU=c\+d,O=\#e\20,DC=x", "cn=" + ",cn=".join("x" * 3 for _ in range(50)), "", "=,=\\"]):
        write("dn", "dn-%d" % i, text.encode())
    write("ldif", "entry", b"version: 1\n\ndn: CN=Root,CN=Certification Authorities,CN=Public Key Services,CN=Services,"
          + CONFIG.encode() + b"\nobjectClass: certificationAuthority\ncACertificate:: MAMCAQA=\n"
          b"description: folded\n  line\n\n")
    write("ldif", "changes", b"dn: cn=a,dc=x\nchangetype: modify\nreplace: cn\ncn: b\n-\nadd: description\n"
          b"description:< file:///nonexistent\n-\n\ndn: cn=b,dc=x\nchangetype: delete\n\n"
          b"dn: cn=c,dc=x\nchangetype: moddn\nnewrdn: cn=d\ndeleteoldrdn: 1\n")
    write("sasl_layer", "frame", (30).to_bytes(4, "big") + b"\x01\x00\x00\x00" + b"\x00" * 12 + b"\x30\x0c\x02\x01\x01" + b"\x00" * 9)
    write("sasl_layer", "huge-length", b"\xff\xff\xff\xff")
    for i, request in enumerate([
        b"/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64\n\nca1.example.test",
        b"/certsrv/certnew.cer?ReqID=CACert&Renewal=0&Enc=bin\nBasic " + base64.b64encode(b"EXAMPLE\\alice:Secret-1") + b"\nca1",
        b"/CertSrv/certcarc.asp\nNTLM " + base64.b64encode(negotiate) + b"\n",
        b"/certsrv/certnew.p7b?ReqID=CACert&Renewal=%2d1&enc=B%36%34\nNegotiate " + base64.b64encode(init),
        b"/certsrv/../x?%zz=%\n\n",
    ]):
        write("certsrv_request", "request-%d" % i, request)
    with tempfile.TemporaryDirectory() as tmp:
        key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "3650", "-subj", "/CN=Fuzz Root CA",
                        "-addext", "crlDistributionPoints=URI:http://pki.example.test/root.crl"],
                       check=True, capture_output=True)
        pem = open(cert, "rb").read()
        der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "der"], check=True, capture_output=True).stdout
        p7b = subprocess.run(["openssl", "crl2pkcs7", "-nocrl", "-certfile", cert, "-outform", "der"],
                             check=True, capture_output=True).stdout
        write("certificates", "cert.pem", pem)
        write("certificates", "cert.der", der)
        write("certificates", "chain.p7b", p7b)
        write("certificates", "chain.p7b.b64", b"-----BEGIN CERTIFICATE-----\r\n" + base64.encodebytes(p7b).replace(b"\n", b"\r\n")
              + b"-----END CERTIFICATE-----\r\n")
    catalog = os.path.join(os.path.dirname(ROOT), "..", "scenarios", "catalog")
    for name in ["seed-story.toml", "g07-certsrv-authentication.toml", "i01-dc-requires-signing.toml", "messy-forest.toml"]:
        write("scenario_toml", name, open(os.path.join(catalog, name), "rb").read())

if __name__ == "__main__":
    sys.exit(main())
