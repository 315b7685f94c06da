package conversation

import "testing"

// R6, R16: the widget shows a linked identity so that its owner knows it
// and a stranger learns little: a masked number on WhatsApp, a first name
// and an initial on Messenger and Instagram, else the id's last digits.
func TestMasked(t *testing.T) {
	for _, tc := range []struct {
		channel  Channel
		id, name string
		want     string
	}{
		{ChannelMessenger, "6543210987653748", "Ana Pereira", "Ana P."},
		{ChannelMessenger, "6543210987653748", "  Ana   Maria  da Silva ", "Ana S."},
		{ChannelInstagram, "1234567890123456", "Ana", "Ana"},
		{ChannelInstagram, "1234567890123456", "giulia.b", "giulia.b"},
		{ChannelInstagram, "1234567890123456", "Chloé élise", "Chloé É."},
		{ChannelInstagram, "1234567890123456", "🌸 Giulia Bianchi 🌸", "Giulia B."},
		{ChannelMessenger, "6543210987653748", "王小明", "王小明"},
		{ChannelMessenger, "6543210987653748", "Ana (Pereira)", "Ana P."},
		{ChannelMessenger, "6543210987653748", "", "•••3748"},
		{ChannelInstagram, "1234567890123456", "🌸 ✨", "•••3456"},
		{ChannelMessenger, "42", "", "•••42"},
		{ChannelWhatsApp, "5511900000001", "Ana Pereira", "+55 ••• 0001"},
		{ChannelWhatsApp, "12345", "", "•••45"},
	} {
		id := Identity{Channel: tc.channel, ExternalID: tc.id, DisplayName: tc.name}
		if got := id.Masked(); got != tc.want {
			t.Errorf("%s %q %q: %q, want %q", tc.channel, tc.id, tc.name, got, tc.want)
		}
	}
}
