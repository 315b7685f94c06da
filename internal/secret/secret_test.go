package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func key(b byte) []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = b
	}
	return k
}

func keyring(t *testing.T, current []byte, old ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpens(t *testing.T) {
	k := keyring(t, key(1))
	sealed := k.Seal("EAAG-token", "wh_1/access_token")
	if sealed == "" || sealed == "EAAG-token" {
		t.Fatalf("sealed = %q", sealed)
	}
	if again := k.Seal("EAAG-token", "wh_1/access_token"); again == sealed {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	got, err := k.Open(k.Current(), sealed, "wh_1/access_token")
	if err != nil || got != "EAAG-token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if k.Seal("", "b") != "" {
		t.Error("the empty value is sealed")
	}
}

func TestTamperedDoesNotOpen(t *testing.T) {
	k := keyring(t, key(1))
	sealed := k.Seal("app-secret", "wh_1/app_secret")
	flipped := []byte(sealed)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == '+' || flipped[len(flipped)/2] == '/' {
		flipped[len(flipped)/2] = 'A'
	}
	for name, tc := range map[string]struct{ sealed, bound string }{
		"changed":       {string(flipped), "wh_1/app_secret"},
		"truncated":     {sealed[:len(sealed)-4], "wh_1/app_secret"},
		"too short":     {"AAAA", "wh_1/app_secret"},
		"not base64":    {"!!" + sealed, "wh_1/app_secret"},
		"other column":  {sealed, "wh_1/access_token"},
		"other row":     {sealed, "wh_2/app_secret"},
		"clear as seal": {"app-secret", "wh_1/app_secret"},
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := k.Open(k.Current(), tc.sealed, tc.bound); !errors.Is(err, ErrTampered) {
				t.Fatalf("Open = %q, %v; want ErrTampered", got, err)
			}
		})
	}
}

func TestUnknownKeyDoesNotOpen(t *testing.T) {
	sealed := keyring(t, key(1)).Seal("token", "b")
	k := keyring(t, key(2))
	if _, err := k.Open(KeyID(key(1)), sealed, "b"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Open with a key not held: %v", err)
	}
	// The right bytes under another key's id: GCM refuses them.
	if _, err := k.Open(k.Current(), sealed, "b"); !errors.Is(err, ErrTampered) {
		t.Fatalf("Open under the wrong key id: %v", err)
	}
}

func TestOldKeyStillOpens(t *testing.T) {
	old := keyring(t, key(1))
	sealed := old.Seal("token", "b")
	k := keyring(t, key(2), key(1))
	if k.Current() != KeyID(key(2)) || k.Current() == old.Current() {
		t.Fatalf("current key id %q", k.Current())
	}
	got, err := k.Open(old.Current(), sealed, "b")
	if err != nil || got != "token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(k.Current(), k.Seal("token", "b"), "b"); err != nil {
		t.Fatal(err)
	}
}

func TestBadKeys(t *testing.T) {
	if _, err := NewKeyring(key(1)[:16]); err == nil {
		t.Error("a 16-byte key is accepted")
	}
	for _, s := range []string{"", "not base64!", "AAAA"} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
	if k, err := ParseKey("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"); err != nil || string(k) != string(key(1)) {
		t.Errorf("ParseKey = %v, %v", k, err)
	}
}

func TestKeyFileIsKeptPrivately(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linkline.db.key")
	first, created, err := KeyFile(path)
	if err != nil || !created {
		t.Fatalf("KeyFile = %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, created, err := KeyFile(path)
	if err != nil || created || string(again) != string(first) {
		t.Fatalf("second KeyFile = %v, %v: not the kept key", created, err)
	}
}

// A derived key is stable for one key and purpose, and differs from
// another purpose's and another key's: a download URL signature (R30)
// neither seals nor opens credentials.
func TestDerive(t *testing.T) {
	t.Parallel()
	ka, _ := NewKeyring(key(0))
	kb, _ := NewKeyring(key(1), key(0))
	if !bytes.Equal(ka.Derive("urls"), ka.Derive("urls")) {
		t.Fatal("not stable")
	}
	if bytes.Equal(ka.Derive("urls"), ka.Derive("other")) || bytes.Equal(ka.Derive("urls"), kb.Derive("urls")) {
		t.Fatal("derived keys collide")
	}
}
