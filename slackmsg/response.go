package slackmsg

import (
	"encoding/json"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits (https://api.slack.com/reference/block-kit/blocks): a message that
// breaks one is rejected with invalid_blocks, so every message is built within them.
const (
	MaxBlocks       = 50
	MaxSectionText  = 3000
	MaxFields       = 10
	MaxFieldText    = 2000
	MaxHeaderText   = 150
	MaxContextElems = 10
	MaxButtonText   = 75
	MaxButtonValue  = 2000
	MaxFallbackText = 4000
)

// Response is a Slack message a handler answers with. It is a value: the bot decides how to
// deliver it (in the ack, through response_url, or as a post).
type Response struct {
	// Text is the fallback shown in notifications and to clients without blocks. It is mrkdwn:
	// typed or stored text in it is escaped (Clip, Escape) like everywhere else.
	Text string
	// Blocks is the Block Kit layout.
	Blocks []slack.Block
	// InChannel makes the answer visible to the whole channel instead of only the caller.
	InChannel bool
	// ReplaceOriginal replaces the message an interaction came from.
	ReplaceOriginal bool
	// Modal, when set, is opened for the user (views.open with the request's trigger id) instead
	// of, or besides, showing the message. A Response with only a Modal sends no message.
	Modal *slack.ModalViewRequest `json:"-"`
	// Homes are other people whose App Home this answer changed (an account given to someone):
	// the bot publishes theirs again too, as it does the caller's.
	Homes []string `json:"-"`
	// ReadOnly says answering changed nothing (a lookup): no App Home can show anything new, so
	// the bot does not lay out and compare the caller's Home again after it.
	ReadOnly bool `json:"-"`
}

// IsModalOnly reports whether the response only opens a modal.
func (r Response) IsModalOnly() bool { return r.Modal != nil && r.Text == "" && len(r.Blocks) == 0 }

// Payload is the JSON body Slack expects for a slash command response.
type Payload struct {
	ResponseType    string        `json:"response_type,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
}

// Payload renders the response as Slack will receive it, its fallback text within Slack's limit.
func (r Response) Payload() Payload {
	p := Payload{ResponseType: "ephemeral", Text: r.FallbackText(), Blocks: r.Blocks, ReplaceOriginal: r.ReplaceOriginal}
	if r.InChannel {
		p.ResponseType = "in_channel"
	}
	return p
}

// FallbackText is Text within Slack's limit: what every way of sending the response sends.
func (r Response) FallbackText() string { return Truncate(r.Text, MaxFallbackText) }

// MarshalJSON makes a Response encode as its Slack payload.
func (r Response) MarshalJSON() ([]byte, error) { return json.Marshal(r.Payload()) }

// Ephemeral is a short message only the caller sees: the shape of every error and refusal.
func Ephemeral(mrkdwn string) Response {
	var b Builder
	b.Section(mrkdwn)
	return Response{Text: Truncate(mrkdwn, MaxFallbackText), Blocks: b.Blocks()}
}

// UserError is a problem with what the user typed; its message (mrkdwn, with what it quotes
// escaped) is shown to them as is.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }
