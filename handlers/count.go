package handlers

import "strconv"

// Count says how many of something there are in English: "1 pain point", "2 pain points",
// "12 follow-ups due" (the plural given, for words that don't just take an s).
func Count(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return strconv.Itoa(n) + " " + plural
}

// Room is how many more blocks the message can take before the "more not shown" note.
func (b *Builder) Room() int {
	return MaxBlocks - 1 - b.reserve - len(b.blocks)
}
