// A self-signed, test-only certificate for localhost and 127.0.0.1 (EC P-256, valid 2000-01-01 to 2125-12-31,
// so a CI clock never finds it expired or not yet valid), made with
//   openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
//     -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout key.pem -out req.csr
//   openssl ca -selfsign -keyfile key.pem -in req.csr -startdate 20000101000000Z -enddate 21251231000000Z …
// Trusted only where a test passes it as `ca`; not part of the build (tsconfig.build excludes test-support).
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBVTCB/KADAgECAgEBMAoGCCqGSM49BAMCMBQxEjAQBgNVBAMMCWxvY2FsaG9z
dDAgFw0wMDAxMDEwMDAwMDBaGA8yMTI1MTIzMTAwMDAwMFowFDESMBAGA1UEAwwJ
bG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEiJMwZ0uMve/igcvm
yzIUelLRFhRvI4PtfD31gpMS5Y4NqGpxJNerGcq6k8aq/ql6aJDuAI69TMHyBfgY
BXMl7aM9MDswGgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMB0GA1UdDgQWBBQO
IeLi7ibG0ifmtaT5oiJM3VW7HzAKBggqhkjOPQQDAgNIADBFAiA4poY6TndpBFQM
fVu0y5iJK5tVlXE8w1hwA701VR7LjwIhAKhLBCQc2Z0UKH1wK8jIi6t9WepkgYyJ
6CtEu7ilT3vH
-----END CERTIFICATE-----
`;
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnPlVmgGizFR6euHN
UphlTG4OCgjgE6LoOeO+xC2NusOhRANCAASIkzBnS4y97+KBy+bLMhR6UtEWFG8j
g+18PfWCkxLljg2oanEk16sZyrqTxqr+qXpokO4Ajr1MwfIF+BgFcyXt
-----END PRIVATE KEY-----
`;
