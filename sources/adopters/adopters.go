// Package adopters parses the public Backstage ADOPTERS.md list
// (https://github.com/backstage/backstage/blob/master/ADOPTERS.md) into one
// Entry per organization row.
//
// The file is parsed as Markdown with goldmark and its GFM table extension;
// the adopters table is found by its header ("Organization", "Contact",
// "Description of Use"), not by position or by a heading, because older
// revisions of the file have no "# Adopters" heading. Cells are read from the
// AST, so links, `<br/>`, code spans, emoji and padding need no special
// casing, and a row with a missing trailing cell parses (goldmark pads it).
//
// The list names people and, for some, their e-mail addresses. Parse returns
// them because they are in the file; what of it may be stored is for the
// caller to decide.
//
// Layers (layers_test.go): the parser imports only identity and knows nothing of the store;
// sources/adopterswatch maps its entries to store rows.
package adopters

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"outreachbot/identity"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Entry is one organization row of ADOPTERS.md.
type Entry struct {
	// Organization is the display name as plain text, e.g. "Expedia Group".
	// For a cell that names two organizations it is the cell's full text
	// (e.g. "Prisjakt / PriceSpy") and the names after the first are in
	// AlsoNamed.
	Organization string
	// AlsoNamed holds the other organization names in the same cell: the
	// text of every link after the first, and a former name given as
	// "X, formerly Y" / "X (formerly Y)".
	AlsoNamed []string
	// Website is the URL of the first link in the organization cell, as
	// written.
	Website string
	// Domain is Website's host, lowercased, without scheme, "www.", path or
	// port: https://www.telus.com/en/ -> "telus.com". Empty if the cell has
	// no link.
	Domain string
	// Description is the plain text of the description cell, with `<br/>`
	// turned into a newline and runs of spaces collapsed; "" if the cell is
	// empty or missing.
	Description string
	Contacts    []Contact
	// Stage is DeriveStage(Description).
	Stage string
	// Row is the 1-based row number in the table body (for error messages).
	Row int
}

// Contact is one person or account named in the contact cell.
type Contact struct {
	// Name is the link text or plain text, with a leading "@" stripped.
	Name string
	// DisplayName is the link text or plain text as given (e.g. "@sagacity").
	DisplayName string
	// GitHub is the handle from a github.com/<handle> link, or from plain
	// "@handle" text; "" if none.
	GitHub string
	// Email is the address of a mailto: link (or a plain-text address); ""
	// if none.
	Email string
	// URL is any other link (LinkedIn, Twitter, a homepage, ...).
	URL string
}

// ErrNoTable is returned by Parse when the input has no table whose header
// names an organization column.
var ErrNoTable = errors.New("adopters: no adopters table found")

var md = goldmark.New(goldmark.WithExtensions(extension.Table))

// Parse reads an ADOPTERS.md document and returns one Entry per organization
// row, in file order. Rows whose organization cell is empty are skipped (their
// row numbers are not reused). If the document has several adopters tables,
// their rows are concatenated and Row keeps counting. The only error is
// ErrNoTable (or a read error).
func Parse(r io.Reader) ([]Entry, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	doc := md.Parser().Parse(text.NewReader(src))

	var (
		entries []Entry
		found   bool
		row     int
	)
	// Tables are block-level; a table inside a list or quote is still found.
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		tbl, ok := n.(*extast.Table)
		if !ok {
			return ast.WalkContinue, nil
		}
		cols, ok := columnsOf(tbl, src)
		if !ok {
			return ast.WalkSkipChildren, nil
		}
		found = true
		for c := tbl.FirstChild(); c != nil; c = c.NextSibling() {
			tr, ok := c.(*extast.TableRow)
			if !ok {
				continue // the header
			}
			row++
			if e, ok := parseRow(tr, cols, src); ok {
				e.Row = row
				entries = append(entries, e)
			}
		}
		return ast.WalkSkipChildren, nil
	})
	if !found {
		return nil, ErrNoTable
	}
	return entries, nil
}

// columns are the cell indexes of the three columns; -1 if absent.
type columns struct{ org, contact, desc int }

// columnsOf reports whether tbl is an adopters table and where its columns
// are. A table is an adopters table if a header cell mentions
// "organization"/"organisation"/"company". Contact and description columns
// are found by name ("contact", "descri"/"use"), else assumed to follow the
// organization column in that order.
func columnsOf(tbl *extast.Table, src []byte) (columns, bool) {
	cols := columns{-1, -1, -1}
	hdr, ok := tbl.FirstChild().(*extast.TableHeader)
	if !ok {
		return cols, false
	}
	n := 0
	for c := hdr.FirstChild(); c != nil; c = c.NextSibling() {
		h := strings.ToLower(plainText(c, src))
		switch {
		case cols.org < 0 && (strings.Contains(h, "organi") || strings.Contains(h, "company")):
			cols.org = n
		case cols.contact < 0 && strings.Contains(h, "contact"):
			cols.contact = n
		case cols.desc < 0 && (strings.Contains(h, "descri") || strings.Contains(h, "use")):
			cols.desc = n
		}
		n++
	}
	if cols.org < 0 {
		return cols, false
	}
	if cols.contact < 0 && cols.org+1 < n && cols.org+1 != cols.desc {
		cols.contact = cols.org + 1
	}
	if cols.desc < 0 && cols.org+2 < n && cols.org+2 != cols.contact {
		cols.desc = cols.org + 2
	}
	return cols, true
}

func cellAt(tr *extast.TableRow, i int) ast.Node {
	if i < 0 {
		return nil
	}
	c := tr.FirstChild()
	for ; c != nil && i > 0; i-- {
		c = c.NextSibling()
	}
	return c
}

func parseRow(tr *extast.TableRow, cols columns, src []byte) (Entry, bool) {
	var e Entry
	org := cellAt(tr, cols.org)
	if org == nil {
		return e, false
	}
	name := collapseSpaces(plainText(org, src))
	links := linksIn(org, src)
	if len(links) > 0 {
		e.Website = links[0].dest
		e.Domain = identity.Domain(links[0].dest)
		for _, l := range links[1:] {
			if t := collapseSpaces(l.text); t != "" {
				e.AlsoNamed = appendUnique(e.AlsoNamed, t)
			}
		}
	}
	if name == "" {
		name = e.Domain
	}
	if name == "" {
		return e, false
	}
	e.Organization = name
	if m := formerlyRE.FindStringSubmatch(name); m != nil {
		if t := strings.TrimSpace(m[1]); t != "" {
			e.AlsoNamed = appendUnique(e.AlsoNamed, t)
		}
	}
	if c := cellAt(tr, cols.contact); c != nil {
		e.Contacts = parseContacts(c, src)
	}
	if d := cellAt(tr, cols.desc); d != nil {
		e.Description = cleanDescription(plainText(d, src))
	}
	e.Stage = DeriveStage(e.Description)
	return e, true
}

// formerlyRE finds a former name: "Wise, formerly TransferWise",
// "Foo (previously Bar)".
var formerlyRE = regexp.MustCompile(`(?i)[,(]\s*(?:formerly|previously|f\.?k\.?a\.?)\s+([^)]+?)\s*\)?\s*$`)

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// --- inline text ---------------------------------------------------------

var brRE = regexp.MustCompile(`(?i)^<br\s*/?>$`)

// inlineEvents walks the inline content of n, calling onText for text and
// onLink for every link (whose content is not walked further).
func inlineEvents(n ast.Node, src []byte, onText func(string), onLink func(text, dest string)) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch v := c.(type) {
		case *ast.Text:
			if v.IsRaw() {
				onText(string(v.Value(src)))
			} else {
				onText(unescape(v.Value(src)))
			}
			switch {
			case v.HardLineBreak():
				onText("\n")
			case v.SoftLineBreak():
				onText(" ")
			}
		case *ast.String:
			onText(string(v.Value))
		case *ast.CodeSpan:
			for cc := v.FirstChild(); cc != nil; cc = cc.NextSibling() {
				switch t := cc.(type) {
				case *ast.Text:
					onText(string(t.Value(src)))
				case *ast.String:
					onText(string(t.Value))
				}
			}
		case *ast.RawHTML:
			if brRE.Match(bytes.TrimSpace(v.Segments.Value(src))) {
				onText("\n")
			}
		case *ast.AutoLink:
			label := string(v.Label(src))
			dest := string(v.URL(src))
			if v.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(dest), "mailto:") {
				dest = "mailto:" + dest
			}
			onLink(label, dest)
		case *ast.Link:
			onLink(plainText(v, src), string(v.Destination))
		default: // emphasis, images (alt text), anything else: its children
			inlineEvents(c, src, onText, onLink)
		}
	}
}

// plainText is the text of n's inline content, links replaced by their text.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	inlineEvents(n, src, func(s string) { b.WriteString(s) }, func(t, _ string) { b.WriteString(t) })
	return b.String()
}

type link struct{ text, dest string }

func linksIn(n ast.Node, src []byte) []link {
	var out []link
	inlineEvents(n, src, func(string) {}, func(t, d string) { out = append(out, link{t, d}) })
	return out
}

func unescape(b []byte) string {
	b = util.UnescapePunctuations(b)
	b = util.ResolveNumericReferences(b)
	b = util.ResolveEntityNames(b)
	return string(b)
}

// collapseSpaces turns every run of white space (newlines included) into one
// space and trims.
func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// cleanDescription collapses spaces within lines, keeps line breaks that came
// from `<br/>`, drops blank lines and trims.
func cleanDescription(s string) string {
	var lines []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = collapseSpaces(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// --- contacts ------------------------------------------------------------

// contactSepRE splits plain text between links: commas, semicolons, "&",
// "|", line breaks, a slash between spaces and the word "and".
var contactSepRE = regexp.MustCompile(`(?i)[,;&|\n]|\s/\s|\band\b`)

// githubHandleRE is what GitHub accepts as a user or organization name, a
// little more leniently (underscores, dots) to keep what people wrote.
var githubHandleRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

var emailRE = regexp.MustCompile(`^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$`)

func parseContacts(cell ast.Node, src []byte) []Contact {
	var (
		out []Contact
		buf strings.Builder
	)
	flush := func() {
		out = append(out, plainContacts(buf.String())...)
		buf.Reset()
	}
	inlineEvents(cell, src,
		func(s string) { buf.WriteString(s) },
		func(t, d string) {
			flush()
			if c, ok := linkContact(t, d); ok {
				out = append(out, c)
			}
		})
	flush()
	return out
}

// trimPunct trims white space and the punctuation around names and handles.
func trimPunct(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`.:()[]<>-–—"'`, r)
	})
}

// plainContacts turns text outside links into contacts. The text is split
// at separators; in each piece, "@handle" is a GitHub handle, an address an
// e-mail and an http(s) URL a link. A piece with one such identifier and
// some words ("Bob Smith (@bob)") is one contact; a piece of identifiers
// only ("@a @b") is one contact per identifier; a piece of words only is a
// plain name.
func plainContacts(s string) []Contact {
	var out []Contact
	for _, raw := range contactSepRE.Split(s, -1) {
		piece := trimPunct(raw)
		if !hasAlnum(piece) {
			continue
		}
		var ids []Contact
		var words []string
		for _, f := range strings.Fields(piece) {
			if c, ok := identifier(trimPunct(f)); ok {
				ids = append(ids, c)
			} else {
				words = append(words, f)
			}
		}
		name := trimPunct(strings.Join(words, " "))
		switch {
		case len(ids) == 0:
			out = append(out, Contact{Name: name, DisplayName: name})
		case len(ids) == 1 && hasAlnum(name):
			c := ids[0]
			c.Name, c.DisplayName = name, collapseSpaces(raw)
			out = append(out, c)
		default:
			out = append(out, ids...)
			if hasAlnum(name) {
				out = append(out, Contact{Name: name, DisplayName: name})
			}
		}
	}
	return out
}

// identifier reads one word of plain text as a GitHub handle ("@x"), an
// e-mail address or an http(s) URL.
func identifier(f string) (Contact, bool) {
	c := Contact{DisplayName: f, Name: strings.TrimPrefix(f, "@")}
	lower := strings.ToLower(f)
	switch {
	case strings.HasPrefix(f, "@") && githubHandleRE.MatchString(c.Name):
		c.GitHub = c.Name
	case emailRE.MatchString(f):
		c.Email = f
	case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://"):
		if h := githubHandle(f); h != "" {
			c.GitHub = h
		} else {
			c.URL = f
		}
	default:
		return c, false
	}
	return c, true
}

func hasAlnum(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// linkContact makes a contact of a link in the contact cell.
func linkContact(linkText, dest string) (Contact, bool) {
	display := collapseSpaces(linkText)
	dest = strings.TrimSpace(dest)
	c := Contact{DisplayName: display, Name: strings.TrimSpace(strings.TrimPrefix(display, "@"))}
	switch {
	case len(dest) >= 7 && strings.EqualFold(dest[:7], "mailto:"):
		addr, _, _ := strings.Cut(dest[7:], "?")
		if u, err := url.PathUnescape(addr); err == nil {
			addr = u
		}
		c.Email = strings.TrimSpace(addr)
	default:
		if h := githubHandle(dest); h != "" {
			c.GitHub = h
		} else {
			c.URL = dest
		}
	}
	if c.Name == "" {
		for _, s := range []string{c.GitHub, c.Email, c.URL} {
			if s != "" {
				c.Name = s
				break
			}
		}
		if c.DisplayName == "" {
			c.DisplayName = c.Name
		}
	}
	return c, c.Name != ""
}

// githubHandle returns the user or organization name of a github.com URL
// ("https://github.com/sagacity" -> "sagacity",
// "https://github.com/orgs/acme/people" -> "acme"), or "".
func githubHandle(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if host != "github.com" {
		return ""
	}
	parts := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	if len(parts) > 1 && (parts[0] == "orgs" || parts[0] == "users") {
		parts = parts[1:]
	}
	if len(parts) == 0 || !githubHandleRE.MatchString(parts[0]) {
		return ""
	}
	return parts[0]
}

// --- identity ------------------------------------------------------------

// Key is the identity used for merging entries across revisions of the list:
// the Domain if there is one, else the account key of the Organization name
// (identity.Key, the same key the store merges accounts on).
func Key(e Entry) string {
	if e.Domain != "" {
		return e.Domain
	}
	return identity.Key(e.Organization)
}

// Diff returns the entries of new that are not in old, in new's order. An
// entry is already in old if old has an entry with the same Key or with the
// same normalized Organization name (so a company that changed its website
// but not its name is not reported again).
func Diff(old, new []Entry) (added []Entry) {
	keys := make(map[string]bool, len(old))
	names := make(map[string]bool, len(old))
	for _, e := range old {
		keys[Key(e)] = true
		names[identity.Key(e.Organization)] = true
	}
	for _, e := range new {
		if keys[Key(e)] {
			continue
		}
		if names[identity.Key(e.Organization)] {
			continue
		}
		added = append(added, e)
	}
	return added
}
