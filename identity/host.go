package identity

import (
	"strings"
	"unicode"
)

// Host reports whether s is a URL, an e-mail address, a mailto: link or a bare domain, and
// returns its host: lower case, without scheme, user, "www.", port, path, query, fragment or
// trailing dot. A bare domain (no scheme) needs a dot and an alphabetic last label, so an
// ordinary name ("expedia", "Dr. Oetker") is not read as one.
func Host(s string) (string, bool) {
	host, explicit := splitHost(s)
	if host == "" {
		return "", false
	}
	if explicit {
		return host, true
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 {
		return "", false
	}
	tld := host[dot+1:]
	if len(tld) < 2 || len(tld) > 24 {
		return "", false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return "", false
		}
	}
	if strings.Contains(host, "..") {
		return "", false // empty label
	}
	return host, true
}

// Domain reduces a field known to hold a website (a URL, "example.com/x", "www.example.com",
// "mailto:a@example.org") to its bare host the way Host does, without requiring a dot; "" when
// it names no plausible host. Accounts, the ADOPTERS.md list and imports all meet on it.
func Domain(raw string) string {
	host, _ := splitHost(strings.TrimSpace(raw))
	return host
}

// splitHost cuts the host out of s; explicit reports a scheme, "//" or mailto: before it.
// It returns "" when what is left is not made of host characters or has no letter or digit.
func splitHost(s string) (host string, explicit bool) {
	switch {
	case strings.HasPrefix(s, "//"):
		s, explicit = s[2:], true
	case len(s) > 7 && strings.EqualFold(s[:7], "mailto:"):
		s, explicit = s[7:], true
	default:
		if i := strings.Index(s, "://"); i > 0 && i <= 12 && isSchemeName(s[:i]) {
			s, explicit = s[i+3:], true
		}
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return "", explicit // a name with spaces, cheaply ruled out
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && isDigits(s[i+1:]) {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	if len(s) > 4 && strings.EqualFold(s[:4], "www.") {
		s = s[4:]
	}
	alnum := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			alnum = true
		case r == '.' || r == '-' || r == '_':
		default:
			return "", explicit
		}
	}
	if !alnum || s[0] == '.' {
		return "", explicit
	}
	return strings.ToLower(s), explicit
}

// UnwrapSlack turns Slack markup "<https://x.com|x.com>" into "x.com" and "<!channel>" into
// "!channel"; other text is returned as is.
func UnwrapSlack(s string) string {
	if len(s) < 2 || s[0] != '<' || s[len(s)-1] != '>' {
		return s
	}
	inner := s[1 : len(s)-1]
	if i := strings.LastIndexByte(inner, '|'); i >= 0 {
		if label := strings.TrimSpace(inner[i+1:]); label != "" {
			return label
		}
		return inner[:i]
	}
	return inner
}

func isSchemeName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
