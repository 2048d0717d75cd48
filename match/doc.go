// Package match is an in-memory fuzzy index of account names, aliases and domains: it turns what a
// user typed after /account into an account ID in microseconds at 100,000+ accounts, and PostgreSQL
// then fetches that account by primary key.
//
// # Normalization
//
// Every name, alias, domain and query goes through Normalize: lower case, accents folded, "&" and
// punctuation turned into word breaks, runs of one-letter words joined ("H & M" → "hm"), URLs and
// e-mail addresses reduced to their host.
//
// # Index
//
// Each normalized string is a term made of words. Every distinct word has a posting list of the
// terms containing it; the vocabulary is kept in byte order, and the words of names and aliases are
// indexed by character trigrams (words padded with a space at both ends) and by their one-deletion
// variants (a domain's word of its own is found as typed or by its start). A lookup resolves every query word against the
// vocabulary (equal; words run together, "volvocars"; a word it starts, "volvo" → "volvofinans";
// one edit away via the deletion variants; within the typo budget or merely similar via the
// trigrams), accumulates rarity-weighted evidence per term starting from the rarest query word, and
// rescores the best couple of dozen terms in full.
//
// # Scores
//
//	1.00       the normalized query equals a name, alias or domain
//	0.97       equal once spaces are ignored ("volvocars" ~ "Volvo Cars")
//	0.90–0.96  every query word is a whole word of the term, from its first word (+ coverage)
//	0.80–0.86  the same, but a query word is only the start of a term word
//	           −0.06 if the match starts at a later term word, −0.05 if it skips term words,
//	           −0.07 per typo; a word of 4–7 runes may have 1 typo, of 8+ runes 2, shorter none
//	           −0.03 if it only matched after dropping a trailing legal form ("IKEA AB")
//	≤ 0.85     the whole query without spaces within the typo budget of the term's
//	≤ 0.65     trigram Dice similarity × 0.65: a suggestion, never a match
//
// Queries of one or two letters only match exactly or as the start of a word.
//
// # Decisions
//
// Resolve keeps the best term per account and decides:
//   - Unique if the best is an exact match (1.0) and no other account matches exactly, or if the
//     best scores at least MinConfidence (0.70) and leads the runner-up by at least MinGap (0.08);
//   - Ambiguous otherwise when the best scores at least MinConfidence: the pick-list holds up to
//     MaxPickList (5) accounts within PickWindow (0.15) of the best;
//   - None below MinConfidence, with up to MaxSuggestions (3) suggestions scoring MinSuggestion
//     (0.30) or more.
//
// So "volvo" picks "Volvo Cars" (whole word, 0.93) over "Volvofinans Bank" (word start, 0.82) but is
// Ambiguous between "Volvo Cars" and "Volvo Group" (0.93 each).
//
// Layers (layers_test.go): match imports only identity; the store builds it, it knows nothing of
// the store.
package match
