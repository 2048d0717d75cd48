// Package identity owns what makes two mentions of an account the same account: the folding of
// names (Normalize: case, accents, punctuation, "&"/"and", initials), the account key built on it
// (Key), and the host of a website, URL or address (Host, Domain). The store's keys, the
// ADOPTERS.md diff, CSV headers and the fuzzy name index all call it, so they cannot disagree.
//
// Layers (layers_test.go): a leaf. It imports only the standard library and golang.org/x/text,
// never another outreachbot package.
package identity
