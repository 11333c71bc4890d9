package colonies

import "github.com/colonyos/libcolonies/go/internal/capi"

// Keys, ids and signatures, byte-identical to the Colonies server's: a
// private key is 64 hex characters, an id 64 hex characters (SHA3-256 of the
// public key), a signature 130 (r, s and the recovery id). Hex input may be
// upper or lower case; output is lower case. Invalid keys and signatures
// give ErrCrypto.

// PrvKey returns a new random private key.
func PrvKey() (string, error) {
	return cryptoCall(func(out *string) int { return capi.Colonies_crypto_prvkey(out) })
}

// ID returns the id of a private key.
func ID(prvkey string) (string, error) {
	return cryptoCall(func(out *string) int { return capi.Colonies_crypto_id(out, prvkey) }, prvkey)
}

// Hash returns the SHA3-256 of msg, as 64 hex characters.
func Hash(msg []byte) (string, error) {
	return cryptoCall(func(out *string) int { return capi.Colonies_crypto_hash(out, string(msg)) })
}

// Sign signs msg with prvkey.
func Sign(msg []byte, prvkey string) (string, error) {
	return cryptoCall(func(out *string) int { return capi.Colonies_crypto_sign(out, string(msg), prvkey) }, prvkey)
}

// RecoverID returns the id of the key that made sig over msg.
func RecoverID(msg []byte, sig string) (string, error) {
	return cryptoCall(func(out *string) int { return capi.Colonies_crypto_recover_id(out, string(msg), sig) }, sig)
}

// Verify returns nil when sig over msg was made by the key whose id is id,
// and an ErrCrypto error when it was not or sig is malformed.
func Verify(id string, msg []byte, sig string) error {
	return call(func() int { return capi.Colonies_crypto_verify(id, string(msg), sig) }, id, sig)
}

// cryptoCall runs a crypto call with one string output. msg arguments are
// passed with their length, so they may hold any bytes, NUL included.
func cryptoCall(f func(out *string) int, args ...string) (string, error) {
	var out string
	err := call(func() int { return f(&out) }, args...)
	return output(out, err)
}
