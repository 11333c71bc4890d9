package colonies

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// cryptoVectors is tests/vectors/crypto.json, shared with the C and Python
// tests.
type cryptoVectors struct {
	IDs []struct {
		PrvKey string `json:"prvkey"`
		ID     string `json:"id"`
	} `json:"ids"`
	Signatures []struct {
		PrvKey    string `json:"prvkey"`
		Msg       string `json:"msg"`
		Signature string `json:"signature"`
		ID        string `json:"id"`
	} `json:"signatures"`
	Hashes []struct {
		Msg  string `json:"msg"`
		Hash string `json:"hash"`
	} `json:"hashes"`
	BadPrvKeys []struct {
		PrvKey string `json:"prvkey"`
		Why    string `json:"why"`
	} `json:"bad_prvkeys"`
	BadSignatures []struct {
		Msg       string `json:"msg"`
		Signature string `json:"signature"`
		Why       string `json:"why"`
	} `json:"bad_signatures"`
	WrongRecoveryID struct {
		Msg       string `json:"msg"`
		Signature string `json:"signature"`
		SignerID  string `json:"signer_id"`
	} `json:"wrong_recovery_id"`
}

func loadVectors(t *testing.T) cryptoVectors {
	t.Helper()
	data, err := os.ReadFile("../tests/vectors/crypto.json")
	if err != nil {
		t.Fatalf("reading the crypto vectors: %v", err)
	}
	var v cryptoVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("parsing the crypto vectors: %v", err)
	}
	if len(v.IDs) == 0 || len(v.Signatures) == 0 || len(v.Hashes) == 0 || len(v.BadPrvKeys) == 0 || len(v.BadSignatures) == 0 {
		t.Fatal("the crypto vectors are missing a section")
	}
	return v
}

func TestIDVectors(t *testing.T) {
	for _, v := range loadVectors(t).IDs {
		for _, key := range []string{v.PrvKey, strings.ToUpper(v.PrvKey)} {
			id, err := ID(key)
			if err != nil || id != v.ID {
				t.Errorf("ID(%s) = %q, %v; want %s", key, id, err, v.ID)
			}
		}
	}
}

func TestSignatureVectors(t *testing.T) {
	for _, v := range loadVectors(t).Signatures {
		msg := []byte(v.Msg)
		sig, err := Sign(msg, v.PrvKey)
		if err != nil || sig != v.Signature {
			t.Errorf("Sign(%.20q) = %q, %v; want %s", v.Msg, sig, err, v.Signature)
		}
		for _, s := range []string{v.Signature, strings.ToUpper(v.Signature)} {
			id, err := RecoverID(msg, s)
			if err != nil || id != v.ID {
				t.Errorf("RecoverID(%.20q, %s) = %q, %v; want %s", v.Msg, s, id, err, v.ID)
			}
			if err := Verify(v.ID, msg, s); err != nil {
				t.Errorf("Verify(%.20q, %s): %v", v.Msg, s, err)
			}
		}
	}
}

func TestHashVectors(t *testing.T) {
	for _, v := range loadVectors(t).Hashes {
		h, err := Hash([]byte(v.Msg))
		if err != nil || h != v.Hash {
			t.Errorf("Hash(%.20q) = %q, %v; want %s", v.Msg, h, err, v.Hash)
		}
	}
}

func TestBadPrvKeys(t *testing.T) {
	for _, v := range loadVectors(t).BadPrvKeys {
		_, err := ID(v.PrvKey)
		wantKind(t, "ID with a key that is "+v.Why, err, ErrCrypto)
		_, err = Sign([]byte("hello"), v.PrvKey)
		wantKind(t, "Sign with a key that is "+v.Why, err, ErrCrypto)
	}
}

func TestBadSignatures(t *testing.T) {
	vs := loadVectors(t)
	signer := vs.Signatures[0].ID
	for _, v := range vs.BadSignatures {
		_, err := RecoverID([]byte(v.Msg), v.Signature)
		wantKind(t, "RecoverID with a signature with "+v.Why, err, ErrCrypto)
		err = Verify(signer, []byte(v.Msg), v.Signature)
		wantKind(t, "Verify with a signature with "+v.Why, err, ErrCrypto)
	}
}

func TestWrongRecoveryID(t *testing.T) {
	v := loadVectors(t).WrongRecoveryID
	id, err := RecoverID([]byte(v.Msg), v.Signature)
	if err == nil && id == v.SignerID {
		t.Errorf("RecoverID with a flipped recovery id gave the signer's id")
	}
	if err != nil {
		wantKind(t, "RecoverID with a flipped recovery id", err, ErrCrypto)
	}
	wantKind(t, "Verify with a flipped recovery id", Verify(v.SignerID, []byte(v.Msg), v.Signature), ErrCrypto)
}

func TestVerifyWrongSigner(t *testing.T) {
	v := loadVectors(t)
	other := v.IDs[0].ID
	wantKind(t, "Verify against another id", Verify(other, []byte(v.Signatures[0].Msg), v.Signatures[0].Signature), ErrCrypto)
	err := Verify("not-an-id", []byte("hello"), v.Signatures[0].Signature)
	wantKind(t, "Verify with a malformed id", err, ErrInvalidArgument)
	if errors.Is(err, ErrCrypto) {
		t.Errorf("Verify with a malformed id: %v is ErrCrypto, want only ErrInvalidArgument", err)
	}
}

func TestNewKeysRoundTrip(t *testing.T) {
	k1, k2 := mustPrvKey(t), mustPrvKey(t)
	if len(k1) != 64 || k1 == k2 || strings.Trim(k1, "0123456789abcdef") != "" {
		t.Fatalf("PrvKey gave %q and %q", k1, k2)
	}
	// Messages go with their length, so any bytes, NUL included, are signed whole.
	msg := []byte("a\x00b\xff")
	sig, err := Sign(msg, k1)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	id, err := RecoverID(msg, sig)
	if err != nil || id != mustID(t, k1) {
		t.Fatalf("RecoverID = %q, %v; want %s", id, err, mustID(t, k1))
	}
	if err := Verify(id, []byte("a"), sig); !errors.Is(err, ErrCrypto) {
		t.Errorf("Verify over a prefix of the message: %v, want ErrCrypto", err)
	}
}

func TestNULInKeyRefused(t *testing.T) {
	v := loadVectors(t).IDs[0]
	_, err := ID(v.PrvKey + "\x00junk")
	wantKind(t, "ID with a NUL byte in the key", err, ErrInvalidArgument)
}
