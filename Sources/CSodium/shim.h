// libsodium for Swift: only NaCl secretbox, for cosign's encrypted private keys.
#include <sodium.h>
