package linking

// english is every text linking sends on a channel, in English.
var english = map[TextID]string{
	TextConfirmPrompt:    "Continue your conversation from the website here?",
	TextChoiceYes:        "Yes, continue here",
	TextChoiceNo:         "No",
	TextLinkExpired:      "This link has expired. Ask for a new one in the chat on the website.",
	TextLinkUsed:         "This link has already been used. Ask for a new one in the chat on the website.",
	TextLinkCancelled:    "This link was cancelled. Ask for a new one in the chat on the website.",
	TextLinkUnknown:      "This link is not valid. Ask for a new one in the chat on the website.",
	TextLinkGone:         "This link is not valid any more. Ask for a new one in the chat on the website.",
	TextDeclined:         "OK, nothing was linked.",
	TextLinked:           "Linked. You can continue the conversation here, and return to the website any time.",
	TextLinkEndedByAdmin: "This chat is no longer connected to the conversation on the website. To continue, open the chat on the website.",
	TextDeepLinkPrefill:  "Continue my conversation: %s",
	TextUnreadFallback:   "You have an unread reply in the chat on our website:\n\n%s",
}
