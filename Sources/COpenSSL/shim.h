// OpenSSL 3 for Swift: digests, signatures, keys, X.509 (chains, extensions), RFC 3161 timestamps, CT SCTs.
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/ts.h>
#include <openssl/ct.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
