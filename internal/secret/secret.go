// Package secret seals integration credentials at rest: access tokens and
// app secrets are what lets anyone post as the business and forge its
// webhooks (R19, R20), so a copy of the database or of a backup must not
// hand them over. Values are sealed with AES-256-GCM under a key named by
// an id kept with each row, so that keys can be rotated: old keys still
// open what they sealed until everything is sealed again with the current
// one.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

var (
	// ErrUnknownKey is a value sealed with a key the keyring does not
	// hold (removed from SECRETS_OLD_KEYS too early).
	ErrUnknownKey = errors.New("secret: sealed with a key that is not configured")
	// ErrTampered is a sealed value that does not open: changed, truncated, or
	// moved to another row or column.
	ErrTampered = errors.New("secret: sealed value does not open")
)

// Keyring holds the current key, which seals, and older ones, which only
// open.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	// currentKey derives keys for other purposes (Derive).
	currentKey []byte
}

// NewKeyring returns a keyring sealing with current and opening with
// current and every old key.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}, currentKey: current}
	for i, key := range append([][]byte{current}, old...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("secret: a key is %d bytes, not %d", len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(key)
		if i == 0 {
			k.current = id
		}
		k.aeads[id] = aead
	}
	return k, nil
}

// KeyID names a key without revealing it: rows record it, so that the
// operator need not name keys and a rotation finds the rows to seal again.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("linkline secret key id\x00"), key...))
	return hex.EncodeToString(sum[:6])
}

// Derive returns a key for purpose, derived from the current key, so that
// one configured secret serves several uses without one use's key opening
// another's. It changes when the current key is rotated.
func (k *Keyring) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.currentKey)
	m.Write([]byte("linkline derived key\x00" + purpose))
	return m.Sum(nil)
}

// Current is the id of the key that seals.
func (k *Keyring) Current() string { return k.current }

// Seal seals plain with the current key. bound is authenticated with it:
// the row and column the value belongs to, so that a value copied to
// another place does not open there. The empty value stays empty: there is
// nothing to hide in it.
func (k *Keyring) Seal(plain, bound string) string {
	if plain == "" {
		return ""
	}
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), []byte(bound)))
}

// Open returns the value sealed by Seal with the key keyID and the same
// bound.
func (k *Keyring) Open(keyID, sealed, bound string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	aead, ok := k.aeads[keyID]
	if !ok {
		return "", fmt.Errorf("%w (key id %q)", ErrUnknownKey, keyID)
	}
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < aead.NonceSize()+aead.Overhead() {
		return "", ErrTampered
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(bound))
	if err != nil {
		return "", ErrTampered
	}
	return string(plain), nil
}

// ParseKey reads a key written as standard base64.
func ParseKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("a key must be base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("a key must be %d bytes, base64-encoded (e.g. openssl rand -base64 32), not %d", KeySize, len(key))
	}
	return key, nil
}

// KeyFile returns the key kept in path, first writing a new one there,
// readable by its owner only, when there is none. created says whether it
// was written.
func KeyFile(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("secret: %s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	key = make([]byte, KeySize)
	_, _ = rand.Read(key)
	// O_EXCL: two instances starting together on one file keep one key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return KeyFile(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		return nil, false, fmt.Errorf("secret: %s: %w", path, err)
	}
	return key, true, nil
}
