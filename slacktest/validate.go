package slacktest

import "encoding/json"

// ValidateMessage checks a message as chat.postMessage would: its blocks against Block Kit's
// limits, and its fallback text against the 40,000 characters past which Slack truncates. It
// returns Slack's error messages, none when the message is accepted.
func ValidateMessage(text string, blocks any) []string {
	var c blockChecker
	c.maxLen("/text", text, maxMessageText)
	raw, err := json.Marshal(blocks)
	if err != nil {
		return []string{"[ERROR] blocks do not marshal: " + err.Error()}
	}
	if string(raw) != "null" {
		if _, msgs := validateBlocks(string(raw), maxMessageBlocks, "/blocks"); len(msgs) > 0 {
			c.msgs = append(c.msgs, msgs...)
		}
	}
	return c.msgs
}

// maxMessageText is where Slack truncates a message's text (https://api.slack.com/methods/chat.postMessage#truncating).
const maxMessageText = 40000
