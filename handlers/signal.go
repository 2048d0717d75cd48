package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/digest"
	"outreachbot/match"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// SignalStore is what /signal and /signals read and write.
type SignalStore interface {
	SaveSignal(ctx context.Context, sig store.Signal, note, addedBy string) (store.Signal, bool, error)
	SignalsMatching(ctx context.Context, q store.SignalQuery) ([]store.SignalDetail, int64, error)
	AccountsByID(ctx context.Context, ids []int64) ([]store.Account, error)
}

// ScoredSignal is digest.ScoredSignal.
type ScoredSignal = digest.ScoredSignal

// SignalScorer scores signals the way digests rank them (package digest).
type SignalScorer interface {
	ScoreSignals(ctx context.Context, sigs []store.SignalDetail) ([]ScoredSignal, error)
}

// Signals answers /signal (saving a signal by hand) and the *Save as signal* message shortcut.
type Signals struct {
	store  SignalStore
	index  AccountIndex
	now    func() time.Time
	reader MessageReader // optional: previews a message in the shortcut's modal
	// previewBudget bounds the preview's reading (default previewBudget).
	previewBudget time.Duration
}

// NewSignals builds the /signal handler.
func NewSignals(st SignalStore, ix AccountIndex) *Signals {
	return &Signals{store: st, index: ix, now: time.Now}
}

// Callback ids of the shortcut and its modal.
const (
	ShortcutSaveSignal = "save_signal"
	ViewSaveSignal     = "save_signal_modal"
)

// Command declares /signal.
func (h *Signals) Command() Command { return declared("/signal", h.Handle) }

// Shortcuts returns the message shortcut this handler owns.
func (h *Signals) Shortcuts() map[string]ShortcutFunc {
	return map[string]ShortcutFunc{ShortcutSaveSignal: h.shortcut}
}

// Views returns the modal this handler owns.
func (h *Signals) Views() map[string]ViewFunc {
	return map[string]ViewFunc{ViewSaveSignal: h.submit}
}

// Handle answers /signal.
func (h *Signals) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	first, rest := splitFirst(req.Text)
	if !strings.EqualFold(first, "add") {
		return slackmsg.Ephemeral("Type `/signal add <account> <url> [note]`, e.g. `/signal add acme https://acme.dev/blog/backstage`. To list signals, use `/signals`."), nil
	}
	name, link, note, kind, err := parseSignalAdd(rest)
	if err != nil {
		return errorResponse(err), nil
	}
	acc, resp, ok, err := h.resolve(ctx, name)
	if err != nil || !ok {
		return resp, err
	}
	return h.save(ctx, acc, link, kind, "", note, req.UserID)
}

// slackLinkRe matches a link as Slack sends it in command text: <https://x|label> or <https://x>.
var slackLinkRe = regexp.MustCompile(`<(https?://[^|>\s]+)(?:\|[^>]*)?>`)

// parseSignalAdd splits "<account> <url> [note]"; a kind:… word anywhere sets the kind.
func parseSignalAdd(text string) (name, link, note, kind string, err error) {
	text = slackLinkRe.ReplaceAllString(text, "$1")
	var before, after []string
	for _, w := range strings.Fields(text) {
		if k, ok := strings.CutPrefix(strings.ToLower(w), "kind:"); ok {
			kind = normalizeKind(k)
			if !store.IsSignalKind(kind) {
				return "", "", "", "", userErrorf("`%s` is not a kind. Use one of: %s.", slackmsg.Escape(k), kindList())
			}
			continue
		}
		switch {
		case link == "" && (strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://")):
			link = w
		case link == "":
			before = append(before, w)
		default:
			after = append(after, w)
		}
	}
	if link == "" {
		return "", "", "", "", userErrorf("Add the link: `/signal add <account> <url> [note]`.")
	}
	if len(before) == 0 {
		return "", "", "", "", userErrorf("Which account is it about? `/signal add <account> <url> [note]`.")
	}
	if !storableLink(link) {
		return "", "", "", "", userErrorf("`%s` is not a link I can store: give the whole address, e.g. `https://example.com/post`.", slackmsg.Escape(link))
	}
	return strings.Join(before, " "), link, strings.Join(after, " "), kind, nil
}

// resolve finds the account a name means; a pick-list or "no match" is an answer with ok false,
// and a store failure is an error (not "removed": a stalled database is not a missing account).
func (h *Signals) resolve(ctx context.Context, name string) (acc store.Account, answer slackmsg.Response, ok bool, err error) {
	res := h.index.Resolve(name)
	switch res.Outcome {
	case match.Ambiguous:
		var names []string
		for _, c := range res.Candidates {
			names = append(names, "`"+slackmsg.Escape(c.Name)+"`")
		}
		return store.Account{}, slackmsg.Ephemeral(fmt.Sprintf("Several accounts match *%s*: %s. Say which, e.g. `/signal add %s <url>`.",
			slackmsg.Escape(name), strings.Join(names, ", "), slackmsg.Escape(res.Candidates[0].Name))), false, nil
	case match.None:
		return store.Account{}, noMatch(name, res.Candidates), false, nil
	}
	accs, err := h.store.AccountsByID(ctx, []int64{res.Best.ID})
	if err != nil {
		return store.Account{}, slackmsg.Response{}, false, err
	}
	if len(accs) == 0 {
		return store.Account{}, slackmsg.Ephemeral("That account was just removed. Try again."), false, nil
	}
	return accs[0], slackmsg.Response{}, true, nil
}

func (h *Signals) save(ctx context.Context, acc store.Account, link, kind, title, note, user string) (slackmsg.Response, error) {
	if kind == "" {
		kind = KindFromURL(link, note)
	}
	if title == "" {
		// The note is the saver's words, kept as the note: never the title, which reads as the
		// author's.
		title = titleFromURL(link)
	}
	id := acc.ID
	sig := store.Signal{
		AccountID: &id, Kind: kind, Title: title, URL: link, DiscoveredAt: h.now(),
		Source: "slack", DedupeKey: store.SignalDedupeKey(link, acc.Key, kind, title),
	}
	saved, created, err := h.store.SaveSignal(ctx, sig, note, user)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if !created {
		return slackmsg.Ephemeral(fmt.Sprintf("That link is already saved as signal #%d (%s, %s). Nothing changed.",
			saved.ID, slackmsg.Escape(store.SignalKindLabel(saved.Kind)), slackmsg.Link(saved.URL, slackmsg.Cut(saved.Title, 80)))), nil
	}
	resp := slackmsg.Ephemeral(fmt.Sprintf("Saved signal #%d for *%s*: %s · %s. The next digests will carry it.",
		saved.ID, slackmsg.Escape(acc.Name), slackmsg.Escape(store.SignalKindLabel(kind)), slackmsg.Link(link, slackmsg.Cut(title, 80))))
	if acc.OwnerUserID != "" {
		resp.Homes = []string{acc.OwnerUserID} // the owner's Home shows the account's newest signals
	}
	return resp, nil
}

// KindFromURL guesses a signal's kind from its link (and note): GitHub issues and pull requests,
// job boards, LinkedIn, talks, communities and news sites; anything else is a blog post.
func KindFromURL(link, note string) string {
	u, err := url.Parse(strings.ToLower(link))
	if err != nil {
		return "blog_post"
	}
	host := strings.TrimPrefix(u.Host, "www.")
	path := u.Path
	n := strings.ToLower(note)
	switch {
	case strings.Contains(n, "evaluat") || strings.Contains(n, "pilot") || strings.Contains(n, "poc"):
		return "competitor_evaluation"
	case host == "github.com" && strings.Contains(path, "/issues/"):
		return "github_issue"
	case host == "github.com" && strings.Contains(path, "/pull/"):
		return "github_pr"
	case strings.HasSuffix(path, "adopters.md"):
		return "adopters_entry"
	case host == "linkedin.com" && strings.HasPrefix(path, "/jobs"):
		return "job_posting"
	case host == "linkedin.com":
		return "linkedin_post"
	case strings.Contains(host, "greenhouse.io"), strings.Contains(host, "lever.co"), strings.Contains(host, "workday"),
		strings.Contains(host, "ashbyhq"), strings.Contains(path, "/careers"), strings.Contains(path, "/jobs"):
		return "job_posting"
	case host == "youtube.com", host == "youtu.be", strings.Contains(host, "sessionize"), strings.Contains(host, "sched.com"),
		strings.Contains(path, "/talks"), strings.Contains(host, "kubecon"), strings.Contains(host, "backstagecon"):
		return "conference_talk"
	case host == "reddit.com", host == "news.ycombinator.com", strings.Contains(host, "discord"), strings.Contains(host, "slack.com"),
		strings.HasPrefix(host, "community."), strings.HasPrefix(host, "discuss."), strings.Contains(host, "stackoverflow"):
		return "community_post"
	case strings.Contains(path, "/news/"), strings.Contains(host, "techcrunch"), strings.Contains(host, "reuters"),
		strings.Contains(host, "bloomberg"), strings.Contains(host, "businesswire"), strings.Contains(host, "prnewswire"):
		return "news"
	}
	return "blog_post"
}

func titleFromURL(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return slackmsg.Cut(link, 150)
	}
	p := strings.Trim(u.Path, "/")
	if p == "" {
		return u.Host
	}
	return slackmsg.Cut(strings.TrimPrefix(u.Host, "www.")+"/"+p, 150)
}

func normalizeKind(k string) string {
	return strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(k)))
}

func kindList() string {
	var out []string
	for _, k := range store.SignalKinds {
		out = append(out, "`"+k.Kind+"`")
	}
	return strings.Join(out, ", ")
}

// saveMeta travels in the modal's private_metadata.
type saveMeta struct {
	Channel   string `json:"c,omitempty"`
	Permalink string `json:"p,omitempty"`
}

// shortcut opens the *Save as signal* modal on a message, prefilled from it.
func (h *Signals) shortcut(ctx context.Context, s Shortcut) (slackmsg.Response, error) {
	text := slackmsg.Unescape(s.MessageText)
	link := ""
	if m := slackLinkRe.FindStringSubmatch(text); m != nil {
		link = m[1]
	} else if m := bareURLRe.FindString(text); m != "" {
		link = m
	}
	if link == "" {
		link = s.Permalink
	}
	plain := strings.TrimSpace(slackLinkRe.ReplaceAllString(text, "$1"))
	title, _, _ := strings.Cut(plain, "\n")
	meta, _ := json.Marshal(saveMeta{Channel: s.ChannelID, Permalink: slackmsg.Cut(s.Permalink, 1000)})
	modal := saveModal(link, slackmsg.Cut(title, 150), KindFromURL(link, plain), string(meta))
	if found, account := h.preview(ctx, plain); found != "" {
		withPreview(modal, found, account)
	}
	return slackmsg.Response{Modal: modal}, nil
}

var bareURLRe = regexp.MustCompile(`https?://[^\s<>|]+`)

func saveModal(link, title, kind, meta string) *slack.ModalViewRequest {
	txt := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	input := func(blockID, label, placeholder, initial string, multiline, optional bool) *slack.InputBlock {
		el := slack.NewPlainTextInputBlockElement(txt(placeholder), "value")
		el.InitialValue = initial
		el.Multiline = multiline
		b := slack.NewInputBlock(blockID, txt(label), nil, el)
		b.Optional = optional
		return b
	}
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, k := range store.SignalKinds {
		o := slack.NewOptionBlockObject(k.Kind, txt(k.Label), nil)
		opts = append(opts, o)
		if k.Kind == kind {
			initial = o
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, txt("Kind"), "value", opts...)
	sel.InitialOption = initial
	return &slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      ViewSaveSignal,
		Title:           txt("Save as signal"),
		Submit:          txt("Save"),
		Close:           txt("Cancel"),
		PrivateMetadata: meta,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			input("account", "Account", "Which company is this about?", "", false, false),
			slack.NewInputBlock("kind", txt("Kind"), nil, sel),
			input("url", "Link", "https://…", slackmsg.Cut(link, 2000), false, false),
			input("title", "Title", "What happened, in a line", title, false, true),
			input("note", "Note", "Why it matters (optional)", "", true, true),
		}},
	}
}

// submit saves the signal from the modal; a field it cannot use keeps the modal open.
func (h *Signals) submit(ctx context.Context, v ViewSubmission) (ViewResult, error) {
	val := func(block string) string { return strings.TrimSpace(v.Values[block]["value"]) }
	errs := map[string]string{}
	name, link, kind := val("account"), val("url"), normalizeKind(val("kind"))
	if !storableLink(link) {
		errs["url"] = "Give the whole link, starting with https://"
	}
	if kind == "" {
		kind = KindFromURL(link, val("note"))
	}
	if !store.IsSignalKind(kind) {
		errs["kind"] = "Pick a kind from the list."
	}
	var acc store.Account
	res := h.index.Resolve(name)
	switch {
	case name == "":
		errs["account"] = "Which account is it about?"
	case res.Outcome == match.Ambiguous:
		var names []string
		for _, c := range res.Candidates {
			names = append(names, c.Name)
		}
		errs["account"] = slackmsg.Cut("Several match: "+strings.Join(names, ", ")+". Type the full name.", 150)
	case res.Outcome == match.None:
		errs["account"] = "No account matches that name."
	default:
		accs, err := h.store.AccountsByID(ctx, []int64{res.Best.ID})
		if err != nil {
			return ViewResult{}, err
		}
		if len(accs) == 0 {
			errs["account"] = "That account was just removed."
		} else {
			acc = accs[0]
		}
	}
	if len(errs) > 0 {
		return ViewResult{Errors: errs}, nil
	}
	note := val("note")
	var meta saveMeta
	_ = json.Unmarshal([]byte(v.PrivateMetadata), &meta)
	if meta.Permalink != "" && meta.Permalink != link {
		note = strings.TrimSpace(note + "\n(from " + meta.Permalink + ")")
	}
	resp, err := h.save(ctx, acc, link, kind, val("title"), note, v.UserID)
	if err != nil {
		return ViewResult{}, err
	}
	return ViewResult{Message: &resp, Channel: v.UserID}, nil
}

// SignalList answers /signals.
type SignalList struct {
	store  SignalStore
	index  AccountIndex
	scorer SignalScorer
	now    func() time.Time
}

// NewSignalList builds the /signals handler.
func NewSignalList(st SignalStore, ix AccountIndex, sc SignalScorer) *SignalList {
	return &SignalList{store: st, index: ix, scorer: sc, now: time.Now}
}

// maxListedSignals is how many signals /signals shows.
const maxListedSignals = 15

// Command declares /signals.
func (h *SignalList) Command() Command { return declared("/signals", h.Handle) }

// Handle answers /signals.
func (h *SignalList) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	q, name, err := parseSignalQuery(req.Text, h.now())
	if err != nil {
		return errorResponse(err), nil
	}
	title := "Signals"
	if name != "" {
		res := h.index.Resolve(name)
		switch res.Outcome {
		case match.Ambiguous:
			return pickList(name, res.Candidates), nil
		case match.None:
			return noMatch(name, res.Candidates), nil
		}
		q.AccountID = res.Best.ID
		title += " for " + res.Best.Name
	}
	q.Limit = maxListedSignals
	sigs, total, err := h.store.SignalsMatching(ctx, q)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if total == 0 {
		return slackmsg.Ephemeral("No signals match. Widen `since:` or drop `kind:`; save one with `/signal add <account> <url>`."), nil
	}
	scored, err := h.scorer.ScoreSignals(ctx, sigs)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var b slackmsg.Builder
	b.Reserve(1)
	if !q.Since.IsZero() {
		title += " since " + slackmsg.Date(q.Since)
	}
	b.Header(fmt.Sprintf("%s (%d)", title, total))
	lines := make([]string, 0, len(scored))
	for _, s := range scored {
		lines = append(lines, scoredLine(s))
	}
	b.Section(strings.Join(lines, "\n"))
	note := "Newest first. Scores rank digests; `/digest subscribe` sends new ones on a schedule."
	if total > int64(len(scored)) {
		note = fmt.Sprintf("The %d newest of %d. Narrow with `since:` or `kind:`.", len(scored), total)
	}
	b.Final(slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, note, false, false)))
	return slackmsg.Response{Text: slackmsg.Escape(fmt.Sprintf("%s: %d signals", title, total)), Blocks: b.Blocks()}, nil
}

func scoredLine(s ScoredSignal) string {
	parts := []string{fmt.Sprintf("*%d*", s.Score), slackmsg.Escape(store.SignalKindLabel(s.Kind))}
	if s.AccountName != "" {
		parts = append(parts, "*"+slackmsg.Escape(s.AccountName)+"*")
	}
	if s.OccurredAt != nil {
		parts = append(parts, slackmsg.Date(*s.OccurredAt))
	}
	line := "• " + strings.Join(parts, " · ") + " — " + slackmsg.Link(s.URL, slackmsg.Cut(s.Title, 120))
	if s.Source != "" {
		line += " _(" + slackmsg.Escape(s.Source) + ")_"
	}
	if s.Note != "" {
		// The saver's words, said as theirs: never the author's.
		by := "note"
		if s.AddedBy != "" {
			by = "note from " + slackmsg.User(s.AddedBy)
		}
		line += "\n      " + by + ": " + slackmsg.Escape(slackmsg.Cut(s.Note, 200))
	}
	return line + "\n      _" + slackmsg.Clip(s.Why, 300) + "_"
}

// parseSignalQuery reads [account words] [since:7d] [kind:a,b].
func parseSignalQuery(text string, now time.Time) (store.SignalQuery, string, error) {
	var q store.SignalQuery
	var words []string
	toks, err := tokenize(text)
	if err != nil {
		return q, "", err
	}
	for _, t := range toks {
		key, val, ok := strings.Cut(t, ":")
		switch {
		case ok && strings.EqualFold(key, "since"):
			d, err := parseAge(val)
			if err != nil {
				return q, "", err
			}
			q.Since = now.Add(-d)
		case ok && strings.EqualFold(key, "kind"):
			for _, k := range strings.Split(val, ",") {
				k = normalizeKind(k)
				if !store.IsSignalKind(k) {
					return q, "", userErrorf("`%s` is not a kind. Use one of: %s.", slackmsg.Escape(k), kindList())
				}
				q.Kinds = append(q.Kinds, k)
			}
		default:
			words = append(words, t)
		}
	}
	return q, strings.Join(words, " "), nil
}

// parseAge reads 7d, 2w, 24h, 3m (months).
func parseAge(v string) (time.Duration, error) {
	bad := userErrorf("`since:%s` is not an age. Use e.g. `since:7d`, `since:2w`, `since:24h`.", slackmsg.Escape(v))
	v = strings.ToLower(strings.TrimSpace(v))
	if len(v) < 2 {
		return 0, bad
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	if err != nil || n <= 0 {
		return 0, bad
	}
	unit := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'm': 30 * 24 * time.Hour}[v[len(v)-1]]
	if unit == 0 {
		return 0, bad
	}
	if n > int(maxAge/unit) { // checked before multiplying: 200000d overflows a Duration
		return 0, userErrorf("`since:%s` is further back than anything I keep; use at most ten years, e.g. `since:365d`.", slackmsg.Escape(v))
	}
	return time.Duration(n) * unit, nil
}

// maxAge is the furthest back since: reaches.
const maxAge = 10 * 365 * 24 * time.Hour

// storableLink reports whether a link is a whole http(s) address: a scheme and a host.
func storableLink(link string) bool {
	u, err := url.ParseRequestURI(link)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
}
