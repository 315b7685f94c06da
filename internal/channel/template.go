package channel

// Template is a WhatsApp message template as the Cloud API lists it (GET
// /{WABA-ID}/message_templates): what may be sent outside the 24-hour
// window (R33).
type Template struct {
	Name     string
	Language string
	// Status is APPROVED, PENDING, REJECTED, PAUSED or DISABLED; only
	// approved templates can be sent.
	Status string
	// Category is MARKETING, UTILITY or AUTHENTICATION.
	Category   string
	Components []TemplateComponent
}

// TemplateComponent is a part of a template: a HEADER, BODY, FOOTER or
// BUTTONS. Text holds {{1}}, {{2}}, … where parameters go.
type TemplateComponent struct {
	Type   string
	Format string
	Text   string
}

// TemplateMessage is an outbound template message: the body's parameters
// in order.
type TemplateMessage struct {
	To         string
	Name       string
	Language   string
	Parameters []string
}
