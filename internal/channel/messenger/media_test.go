package messenger

import (
	"context"
	"errors"
	"testing"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/meta/metatest"
)

// R30: a file goes as an attachment Messenger fetches from its signed URL,
// tagged HUMAN_AGENT after the window, and its text follows as a text
// message; R17: a retry after the file went out sends only the text, and
// Meta's refusal of the file is permanent.
func TestSendMedia(t *testing.T) {
	s := metatest.NewScript(t)
	a := New(s.Config())
	ctx := context.Background()
	sent := func(id string) metatest.Answer {
		return metatest.Answer{Status: 200, Reply: `{"recipient_id":"6543210987654321","message_id":"` + id + `"}`}
	}
	image := channel.File{Name: "map.png", ContentType: "image/png", Kind: "image", URL: "https://linkline.example/files/1.2.3.4.sig/map.png"}
	offer := channel.File{Name: "offer.docx", Kind: "file", URL: "https://linkline.example/files/1.2.3.5.sig/offer.docx",
		ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}

	s.Answer(sent("m_image"))
	got, err := a.SendMedia(ctx, creds, channel.Media{To: "6543210987654321", File: image})
	rs := s.Requests()
	if err != nil || got.ExternalID != "m_image" || len(rs) != 1 || rs[0].Path != path || !metatest.SameJSON(t, rs[0].Body, "image.json") {
		t.Fatalf("image: %+v, %v, %d requests", got, err, len(rs))
	}

	late := channel.Media{To: "6543210987654321", Caption: "The offer we talked about", File: offer, HumanAgent: true}
	s.Answer(sent("m_file"), sent("m_text"))
	got, err = a.SendMedia(ctx, creds, late)
	rs = s.Requests()
	if err != nil || got.ExternalID != "m_text" || len(rs) != 2 ||
		!metatest.SameJSON(t, rs[0].Body, "file_human_agent.json") || !metatest.SameJSON(t, rs[1].Body, "file_text.json") {
		t.Fatalf("file then text: %+v, %v, %d requests", got, err, len(rs))
	}

	s.Answer(sent("m_file"), metatest.Answer{Status: 503, Reply: `{"error":{"message":"(#2) Service temporarily unavailable","code":2,"is_transient":true}}`})
	_, err = a.SendMedia(ctx, creds, late)
	partly, ok := errors.AsType[*channel.PartlySent](err)
	if !ok || len(partly.Sent) != 1 || partly.Sent[0] != "m_file" || meta.Classify(err).Kind != meta.Transient {
		t.Fatalf("text failed after the file: %v", err)
	}
	late.Sent = partly.Sent
	s.Answer(sent("m_text"))
	got, err = a.SendMedia(ctx, creds, late)
	if rs = s.Requests(); err != nil || got.ExternalID != "m_text" || len(rs) != 1 || !metatest.SameJSON(t, rs[0].Body, "file_text.json") {
		t.Fatalf("retry: %+v, %v, %d requests", got, err, len(rs))
	}

	s.Answer(metatest.Answer{Status: 400, Reply: `{"error":{"message":"(#100) Upload attachment failure.","type":"OAuthException","code":100,"error_subcode":2018047,"fbtrace_id":"AbC7"}}`})
	if _, err = a.SendMedia(ctx, creds, channel.Media{To: late.To, Caption: late.Caption, File: offer, HumanAgent: true}); err == nil || meta.Classify(err).Kind != meta.Permanent || len(s.Requests()) != 1 {
		t.Fatalf("refused file: %v, %d requests", err, len(s.Requests()))
	}

	for _, bad := range []channel.File{{Name: "a", Kind: "document", URL: "https://x/a"}, {Name: "b", Kind: "image"}} {
		s.Answer()
		if _, err := a.SendMedia(ctx, creds, channel.Media{To: "6543210987654321", File: bad}); err == nil || len(s.Requests()) != 0 {
			t.Errorf("%+v: %v, %d requests", bad, err, len(s.Requests()))
		}
	}
}
