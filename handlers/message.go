package handlers

import (
	"time"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
)

// Message building is owned by slackmsg; these short names keep the handlers readable and are
// the same types and functions, not copies.
type (
	// Response is slackmsg.Response.
	Response = slackmsg.Response
	// Builder is slackmsg.Builder.
	Builder = slackmsg.Builder
	// UserError is slackmsg.UserError.
	UserError = slackmsg.UserError
)

// Slack's limits, from slackmsg.
const (
	MaxBlocks       = slackmsg.MaxBlocks
	MaxSectionText  = slackmsg.MaxSectionText
	MaxFallbackText = slackmsg.MaxFallbackText
)

// Escape is slackmsg.Escape.
func Escape(s string) string { return slackmsg.Escape(s) }

// Unescape is slackmsg.Unescape.
func Unescape(s string) string { return slackmsg.Unescape(s) }

// Clip is slackmsg.Clip: typed or stored text cut to n characters and escaped for mrkdwn.
func Clip(s string, n int) string { return slackmsg.Clip(s, n) }

// Cut is slackmsg.Cut: plain text cut to n characters (modal fields, link labels, stored text).
func Cut(s string, n int) string { return slackmsg.Cut(s, n) }

// Truncate is slackmsg.Truncate: built mrkdwn cut to n characters.
func Truncate(mrkdwn string, n int) string { return slackmsg.Truncate(mrkdwn, n) }

// Link is slackmsg.Link.
func Link(url, label string) string { return slackmsg.Link(url, label) }

// User is slackmsg.User: a mention of a user id, anything else shown as text.
func User(id string) string { return slackmsg.User(id) }

// Ephemeral is slackmsg.Ephemeral.
func Ephemeral(mrkdwn string) Response { return slackmsg.Ephemeral(mrkdwn) }

// FormatDate is slackmsg.Date.
func FormatDate(t time.Time) string { return slackmsg.Date(t) }

// Button is slackmsg.Button.
func Button(actionID, text, value string, style slack.Style) *slack.ButtonBlockElement {
	return slackmsg.Button(actionID, text, value, style)
}

func groupDigits(n int) string { return slackmsg.Count(n) }
