package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
)

// SignatureHeader carries Meta's signature of a webhook body (R19).
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// Sign returns the SignatureHeader value Meta sends for body: the hex
// HMAC-SHA256 of the raw bytes under the app secret.
func Sign(body []byte, secret string) string {
	return signaturePrefix + hex.EncodeToString(mac(body, secret))
}

// VerifySignature reports whether header is a valid signature of body
// under any of secrets (more than one while an app secret is rotated).
// The MAC is over the raw bytes as received: Meta signs its
// escaped-unicode JSON, so re-serialised JSON never matches. Only the hex
// digits may differ in case; the prefix must be exactly "sha256=". Empty
// secrets never verify anything.
func VerifySignature(body []byte, header string, secrets ...string) bool {
	hexSum, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok || len(hexSum) != 2*sha256.Size {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	valid := false
	for _, s := range secrets {
		// Every secret is tried, so timing does not tell which matched.
		if s != "" && hmac.Equal(got, mac(body, s)) {
			valid = true
		}
	}
	return valid
}

func mac(body []byte, secret string) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return h.Sum(nil)
}

// MaxChallenge bounds hub.challenge. Meta sends a decimal integer (ten
// digits in practice); the bound leaves room without echoing payloads.
const MaxChallenge = 32

// Handshake failures: a malformed request, and a refused one.
var (
	ErrChallenge   = errors.New("hub.challenge is not what Meta sends")
	ErrVerifyToken = errors.New("hub.mode or hub.verify_token does not match")
)

// VerifyChallenge answers Meta's GET verification handshake: it returns
// hub.challenge, to be echoed as text/plain, when hub.mode is "subscribe"
// and hub.verify_token equals verifyToken (compared in constant time). An
// empty verifyToken verifies nothing. The challenge is echoed only when it
// is what Meta sends, digits of bounded length: an echo endpoint would
// reflect whatever markup a caller puts in it (ErrChallenge).
func VerifyChallenge(query url.Values, verifyToken string) (challenge string, err error) {
	challenge = query.Get("hub.challenge")
	if !validChallenge(challenge) {
		return "", ErrChallenge
	}
	if verifyToken == "" || query.Get("hub.mode") != "subscribe" ||
		subtle.ConstantTimeCompare([]byte(query.Get("hub.verify_token")), []byte(verifyToken)) != 1 {
		return "", ErrVerifyToken
	}
	return challenge, nil
}

func validChallenge(s string) bool {
	if s == "" || len(s) > MaxChallenge {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
