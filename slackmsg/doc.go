// Package slackmsg owns the shape of every Slack message the bot sends: the Response value a
// handler answers with and its payload, Slack's Block Kit limits, mrkdwn escaping, the one way to
// shorten text (Cut for plain text, Clip for text put into mrkdwn, Truncate for mrkdwn already
// built), links, dates, the Builder that keeps a message within the limits, user-facing errors,
// and the plain-text rendering `outreachbot ask` prints.
//
// Layers (layers_test.go): a leaf. It imports only the standard library and slack-go, never
// another outreachbot package, so handlers, digest, bot and cli can all build messages the same way.
package slackmsg
