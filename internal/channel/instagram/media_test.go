package instagram

import (
	"context"
	"testing"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/meta/metatest"
)

// R30: Instagram takes a file as Messenger does, by URL, on its own
// endpoint, and its text after it.
func TestSendMedia(t *testing.T) {
	s := metatest.NewScript(t)
	a := New(s.Config())
	igLogin := channel.Credentials{InstagramID: igID, Username: "linkline.shop", AccessToken: metatest.Token}
	image := channel.File{Name: "map.png", ContentType: "image/png", Kind: "image", URL: "https://linkline.example/files/1.2.3.4.sig/map.png"}
	s.Answer(metatest.Answer{Status: 200, Reply: ok}, metatest.Answer{Status: 200, Reply: ok})
	got, err := a.SendMedia(context.Background(), igLogin, channel.Media{To: igsid, Caption: "Ecco la mappa", File: image})
	rs := s.Requests()
	if err != nil || got.ExternalID != okID || len(rs) != 2 {
		t.Fatalf("%+v, %v, %d requests", got, err, len(rs))
	}
	for i, fixture := range []string{"image.json", "image_text.json"} {
		if rs[i].Path != "/v21.0/"+igID+"/messages" || rs[i].Header.Get("Authorization") != "Bearer "+metatest.Token || !metatest.SameJSON(t, rs[i].Body, fixture) {
			t.Errorf("request %d: %s %s", i, rs[i].Path, rs[i].Body)
		}
	}
}
