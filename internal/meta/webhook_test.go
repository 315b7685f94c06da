package meta

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// escapedBody is a webhook as Meta sends it: non-ASCII text as \u escapes.
const escapedBody = `{"object":"page","entry":[{"messaging":[{"message":{"text":"Ol\u00e1, caf\u00e9 \ud83d\ude00"}}]}]}`

// escapedSignature was computed outside Go:
// printf '%s' "$escapedBody" | openssl dgst -sha256 -hmac app-secret
const escapedSignature = "sha256=30651defc86485160859e8f0b3a8d24c7e4fada7241715513f64fb4afa498a8e"

// R19: the signature is the HMAC of the raw bytes Meta sent.
func TestSign(t *testing.T) {
	if got := Sign([]byte(escapedBody), "app-secret"); got != escapedSignature {
		t.Errorf("Sign = %s, want %s", got, escapedSignature)
	}
}

// R19: a bad or missing signature is rejected; rotation accepts either
// secret; only the hex digits may change case.
func TestVerifySignature(t *testing.T) {
	body := []byte(escapedBody)
	hexSum := strings.TrimPrefix(escapedSignature, "sha256=")
	var decoded any
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatal(err)
	}
	reserialised, err := json.Marshal(decoded)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		body    []byte
		header  string
		secrets []string
		want    bool
	}{
		{"valid", body, escapedSignature, []string{"app-secret"}, true},
		{"upper-case hex", body, "sha256=" + strings.ToUpper(hexSum), []string{"app-secret"}, true},
		{"new secret during rotation", body, escapedSignature, []string{"new-secret", "app-secret"}, true},
		{"old secret during rotation", body, Sign(body, "new-secret"), []string{"new-secret", "app-secret"}, true},
		{"wrong secret", body, escapedSignature, []string{"other"}, false},
		{"no secrets", body, escapedSignature, nil, false},
		{"empty secret", body, Sign(body, ""), []string{""}, false},
		{"missing header", body, "", []string{"app-secret"}, false},
		{"prefix only", body, "sha256=", []string{"app-secret"}, false},
		{"upper-case prefix", body, "SHA256=" + hexSum, []string{"app-secret"}, false},
		{"sha1 prefix", body, "sha1=" + hexSum, []string{"app-secret"}, false},
		{"no prefix", body, hexSum, []string{"app-secret"}, false},
		{"truncated", body, escapedSignature[:len(escapedSignature)-2], []string{"app-secret"}, false},
		{"trailing garbage", body, escapedSignature + "00", []string{"app-secret"}, false},
		{"surrounding space", body, " " + escapedSignature, []string{"app-secret"}, false},
		{"not hex", body, "sha256=" + strings.Repeat("zz", 32), []string{"app-secret"}, false},
		{"tampered body", []byte(strings.Replace(escapedBody, "caf", "cof", 1)), escapedSignature, []string{"app-secret"}, false},
		{"re-serialised body", reserialised, escapedSignature, []string{"app-secret"}, false},
	} {
		if got := VerifySignature(tc.body, tc.header, tc.secrets...); got != tc.want {
			t.Errorf("%s: VerifySignature = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// R19: the GET handshake echoes the challenge only for the right token,
// and only a challenge shaped like Meta's (digits, bounded length).
func TestVerifyChallenge(t *testing.T) {
	for _, tc := range []struct {
		name, query, token string
		want               string
		err                error
	}{
		{"valid", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=1158201444", "s3cret", "1158201444", nil},
		{"longest challenge", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=" + strings.Repeat("9", MaxChallenge), "s3cret", strings.Repeat("9", MaxChallenge), nil},
		{"wrong token", "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444", "s3cret", "", ErrVerifyToken},
		{"token prefix", "hub.mode=subscribe&hub.verify_token=s3c&hub.challenge=1158201444", "s3cret", "", ErrVerifyToken},
		{"missing token", "hub.mode=subscribe&hub.challenge=1158201444", "s3cret", "", ErrVerifyToken},
		{"no configured token", "hub.mode=subscribe&hub.verify_token=&hub.challenge=1158201444", "", "", ErrVerifyToken},
		{"other mode", "hub.mode=unsubscribe&hub.verify_token=s3cret&hub.challenge=1158201444", "s3cret", "", ErrVerifyToken},
		{"no mode", "hub.verify_token=s3cret&hub.challenge=1158201444", "s3cret", "", ErrVerifyToken},
		{"no challenge", "hub.mode=subscribe&hub.verify_token=s3cret", "s3cret", "", ErrChallenge},
		{"markup challenge", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=%3Cscript%3Ealert(1)%3C/script%3E", "s3cret", "", ErrChallenge},
		{"digits then markup", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=123%3Cb%3E", "s3cret", "", ErrChallenge},
		{"signed number", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=-1", "s3cret", "", ErrChallenge},
		{"non-ASCII digits", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=%D9%A1%D9%A2", "s3cret", "", ErrChallenge},
		{"too long", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=" + strings.Repeat("1", MaxChallenge+1), "s3cret", "", ErrChallenge},
	} {
		q, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyChallenge(q, tc.token)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: VerifyChallenge = %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}
