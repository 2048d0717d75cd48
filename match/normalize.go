package match

import (
	"strings"

	"outreachbot/identity"
)

// Normalize is identity.Normalize: the index folds names exactly as account keys do.
func Normalize(s string) string { return identity.Normalize(s) }

func hostOf(s string) (string, bool) { return identity.Host(s) }

func unwrapSlack(s string) string { return identity.UnwrapSlack(s) }

// legalSuffixes are trailing words that say nothing about which company is meant.
var legalSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "ltd": true, "limited": true, "plc": true,
	"gmbh": true, "ag": true, "ab": true, "publ": true, "se": true, "sa": true, "sas": true, "sarl": true,
	"srl": true, "spa": true, "nv": true, "bv": true, "oy": true, "oyj": true, "as": true, "asa": true,
	"aps": true, "kg": true, "co": true, "corp": true, "corporation": true, "company": true, "pty": true,
	"pte": true, "kk": true, "llp": true, "lp": true, "sl": true, "sro": true, "doo": true, "bhd": true,
}

// stripLegal drops trailing legal-form words from a normalized string, keeping at least one word.
func stripLegal(s string) string {
	for {
		i := strings.LastIndexByte(s, ' ')
		if i < 0 || !legalSuffixes[s[i+1:]] {
			return s
		}
		s = s[:i]
	}
}

// domainCore drops the public-suffix-like tail of a normalized domain ("volvocars com" → "volvocars",
// "bbc co uk" → "bbc") so that TLDs do not flood the trigram index. It keeps at least one word.
func domainCore(s string) string {
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return s
	}
	s = s[:i]
	if j := strings.LastIndexByte(s, ' '); j >= 0 && secondLevel[s[j+1:]] {
		s = s[:j]
	}
	return s
}

var secondLevel = map[string]bool{"co": true, "com": true, "org": true, "net": true, "gov": true, "ac": true, "edu": true, "ne": true, "or": true, "gv": true}
