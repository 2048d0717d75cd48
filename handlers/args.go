package handlers

import (
	"strings"

	"outreachbot/slackmsg"
)

// tokenize splits a command's text on spaces, keeping "quoted values" (straight or curly quotes)
// together and dropping the quotes: `industry:"financial services" size:100-1000`. It is the one
// tokenizer of every command. An unclosed quote is an error that says so, rather than a guess
// that quietly swallows the rest of the line into one value.
func tokenize(s string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQuote := false
	for _, r := range s {
		switch {
		case r == '"' || r == '“' || r == '”':
			inQuote = !inQuote
		case (r == ' ' || r == '\t' || r == '\n') && !inQuote:
			if cur.Len() > 0 {
				toks = append(toks, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if inQuote {
		return nil, userErrorf("A quote is not closed in `%s`. Close it, or leave the quotes out.", slackmsg.Clip(s, 100))
	}
	if cur.Len() > 0 {
		toks = append(toks, cur.String())
	}
	return toks, nil
}
