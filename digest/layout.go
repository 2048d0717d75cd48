package digest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/identity"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// A digest is laid out as Slack allows (slackmsg.MaxBlocks blocks a message, 3,000 characters a
// section): the best signals in the channel message and the rest in replies in its thread, each
// signal whole in one message with its own Useful / Noise buttons, grouped by account.
//
// Block budget: an item is 2 blocks (its text, its buttons) and an account heading 1. The
// channel message keeps 3 blocks for its header, its summary line and the "more in the thread"
// note; a thread reply keeps 1 for its "signals 11–34 of 57" line.
const (
	itemBlocks     = 2
	headingBlocks  = 1
	firstReserved  = 3
	threadReserved = 1
	// DefaultTopItems is how many signals the channel message shows before the thread.
	DefaultTopItems = 10
)

// Layout cuts a digest into messages.
type Layout struct {
	// TopItems is the most signals the channel message shows; the rest go to its thread.
	TopItems int
}

// entry is a scored signal on its way into a digest.
type entry struct {
	ScoredSignal
}

func (e entry) accountKey() int64 {
	if e.AccountID == nil {
		return 0
	}
	return *e.AccountID
}

// arrange orders entries by account, the account with the best signal first, and by score
// within an account; signals without an account come where their best score puts them.
func arrange(entries []entry) []entry {
	out := make([]entry, len(entries))
	for i, k := range arrangeOrder(entries) {
		out[i] = entries[k]
	}
	return out
}

// arrangeOrder is arrange's order as indexes into entries (no entry is copied).
func arrangeOrder(entries []entry) []int {
	best := map[int64]int{}
	name := map[int64]string{}
	for _, e := range entries {
		k := e.accountKey()
		if s, ok := best[k]; !ok || e.Score > s {
			best[k] = e.Score
		}
		name[k] = e.AccountName
	}
	type key struct {
		best  int
		name  string
		acc   int64
		score int
		id    int64
		i     int
	}
	keys := make([]key, len(entries))
	for i, e := range entries {
		k := e.accountKey()
		keys[i] = key{best[k], name[k], k, e.Score, e.ID, i}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch {
		case a.acc != b.acc && a.best != b.best:
			return a.best > b.best
		case a.acc != b.acc && a.name != b.name:
			return a.name < b.name
		case a.acc != b.acc:
			return a.acc < b.acc
		case a.score != b.score:
			return a.score > b.score
		}
		return a.id < b.id
	})
	order := make([]int, len(keys))
	for i, k := range keys {
		order[i] = k.i
	}
	return order
}

// paginate gives each arranged entry its page (0 = the channel message) and returns the number
// of pages. It only counts blocks, which do not depend on text lengths, so the same items always
// land on the same pages.
func (l Layout) paginate(accounts []int64) (pages []int, count int) {
	top := l.TopItems
	if top <= 0 {
		top = DefaultTopItems
	}
	pages = make([]int, len(accounts))
	page, used, n := 0, 0, 0
	capacity := slackmsg.MaxBlocks - firstReserved
	for i, acc := range accounts {
		cost := itemBlocks
		if n == 0 || acc != accounts[i-1] {
			cost += headingBlocks
		}
		if (page == 0 && n >= top) || used+cost > capacity {
			page++
			used, n = 0, 0
			capacity = slackmsg.MaxBlocks - threadReserved
			cost = itemBlocks + headingBlocks
		}
		pages[i] = page
		used += cost
		n++
	}
	if len(accounts) == 0 {
		return pages, 0
	}
	return pages, page + 1
}

// plan lays out scored entries: the run items in order with their pages, the number of pages,
// and the same items with their details, ready to render.
func (l Layout) plan(entries []entry) ([]store.RunItem, int, []store.RunItemDetail) {
	order := arrangeOrder(entries)
	accs := make([]int64, len(order))
	for i, k := range order {
		accs[i] = entries[k].accountKey()
	}
	pages, n := l.paginate(accs)
	items := make([]store.RunItem, len(order))
	details := make([]store.RunItemDetail, len(order))
	for i, k := range order {
		e := &entries[k]
		items[i] = store.RunItem{SignalID: e.ID, Page: pages[i], Position: i, Score: e.Score, Why: e.Why}
		details[i] = store.RunItemDetail{SignalDetail: e.SignalDetail, Page: pages[i], Position: i, Score: e.Score, Why: e.Why}
	}
	return items, n, details
}

// header is what the top of a digest says.
type header struct {
	Kind      string
	Sub       store.Subscription
	Loc       *time.Location
	Since     *time.Time
	Missed    int
	Total     int
	Pages     int
	Preview   bool // shown by /digest preview, not posted
	Threshold int
}

// render builds every page of a run from its items (in position order).
func (l Layout) render(h header, items []store.RunItemDetail) []slackmsg.Response {
	out := make([]slackmsg.Response, h.Pages)
	if h.Pages == 0 {
		return out
	}
	byPage := make([][]store.RunItemDetail, h.Pages)
	for _, it := range items {
		if it.Page >= 0 && it.Page < h.Pages {
			byPage[it.Page] = append(byPage[it.Page], it)
		}
	}
	if h.Total == 0 {
		out[0] = quietMessage(h)
		return out
	}
	for p := range out {
		var blocks []slack.Block
		if p == 0 {
			blocks = append(blocks, firstHeader(h, items)...)
		} else {
			blocks = append(blocks, threadHeader(h, byPage[p]))
		}
		var last int64 = -1
		for i, it := range byPage[p] {
			acc := int64(0)
			if it.AccountID != nil {
				acc = *it.AccountID
			}
			if i == 0 || acc != last {
				cont := i == 0 && p > 0 && samePrevAccount(byPage[p-1], acc)
				blocks = append(blocks, accountHeading(it.SignalDetail, cont))
			}
			last = acc
			blocks = append(blocks, itemBlocksOf(it, h.Loc)...)
		}
		if p == 0 && h.Pages > 1 {
			rest := h.Total - len(byPage[0])
			blocks = append(blocks, contextBlock(fmt.Sprintf(":thread: *%s more in the thread*, by account.", countText(rest, "signal"))))
		}
		text := fmt.Sprintf("Signals %s of %d", rangeText(byPage[p]), h.Total)
		if p == 0 {
			text = fallback(h, items)
		}
		out[p] = slackmsg.Response{Text: text, Blocks: blocks, InChannel: true}
	}
	return out
}

func samePrevAccount(prev []store.RunItemDetail, acc int64) bool {
	if len(prev) == 0 {
		return false
	}
	last := prev[len(prev)-1]
	return last.AccountID != nil && *last.AccountID == acc || last.AccountID == nil && acc == 0
}

// placeholder is what a page's message says between being posted and being filled in: no
// signal, so a placeholder left behind by a crash never shows a signal twice.
func placeholder(page slackmsg.Response, p int) slackmsg.Response {
	note := ":hourglass_flowing_sand: _Posting this digest…_"
	if p > 0 {
		note = ":hourglass_flowing_sand: _Posting more signals…_"
	}
	return slackmsg.Response{Text: page.Text, Blocks: []slack.Block{contextBlock(note)}}
}

func firstHeader(h header, items []store.RunItemDetail) []slack.Block {
	title := fmt.Sprintf("Signal digest · %s", countText(h.Total, "new signal"))
	if h.Kind == store.RunAlert {
		title = fmt.Sprintf("🔔 Signal alert · score %d+", h.Threshold)
		if h.Total > 1 {
			title = fmt.Sprintf("🔔 %d signals scored %d+", h.Total, h.Threshold)
		}
	}
	var ctx []string
	if h.Since != nil && h.Kind != store.RunAlert {
		ctx = append(ctx, "since "+h.Since.In(h.Loc).Format("Mon 2 Jan 15:04 MST"))
	}
	ctx = append(ctx, countText(accountCount(items), "account"))
	if h.Sub.Personal() {
		ctx = append(ctx, "accounts you own")
	}
	if f := DescribeFilter(h.Sub.Filters); f != "" {
		ctx = append(ctx, slackmsg.Escape(f))
	}
	ctx = append(ctx, fmt.Sprintf("#%d %s", h.Sub.ID, ScheduleLabel(h.Sub)))
	if h.Missed > 0 {
		ctx = append(ctx, fmt.Sprintf("caught up %s missed while I was offline", countText(h.Missed, "run")))
	}
	if h.Kind == store.RunManual && !h.Preview {
		ctx = append(ctx, "posted on request")
	}
	return []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, slackmsg.Plain(title, slackmsg.MaxHeaderText), false, false)),
		contextBlock(strings.Join(ctx, " · ")),
	}
}

func threadHeader(h header, items []store.RunItemDetail) slack.Block {
	return contextBlock(fmt.Sprintf("Signals %s of %d · digest #%d", rangeText(items), h.Total, h.Sub.ID))
}

func rangeText(items []store.RunItemDetail) string {
	if len(items) == 0 {
		return "–"
	}
	return fmt.Sprintf("%d–%d", items[0].Position+1, items[len(items)-1].Position+1)
}

func quietMessage(h header) slackmsg.Response {
	since := ""
	if h.Since != nil {
		since = " since " + h.Since.In(h.Loc).Format("Mon 2 Jan 15:04 MST")
	}
	text := fmt.Sprintf(":zzz: All quiet: no new signals%s (digest #%d).", since, h.Sub.ID)
	return slackmsg.Response{Text: text, Blocks: []slack.Block{contextBlock(text)}, InChannel: true}
}

func accountHeading(d store.SignalDetail, continued bool) slack.Block {
	name := d.AccountName
	if d.AccountID == nil || name == "" {
		name = "Other signals"
	}
	text := "*" + slackmsg.Escape(name) + "*"
	if continued {
		text += " (continued)"
	}
	if d.AccountID != nil && !d.Role.Sells() {
		// A competitor's or vendor's news tells us about the market, not whom to write to.
		text += " · :mag: " + slackmsg.Escape(CompetitiveNote(d.Role))
	}
	var facts []string
	if d.AccountID != nil {
		if d.Industry != "" {
			facts = append(facts, d.Industry)
		}
		if d.Employees > 0 {
			facts = append(facts, fmt.Sprintf("%d employees", d.Employees))
		}
		if loc := firstNonEmpty(d.HQ, d.Region); loc != "" {
			facts = append(facts, loc)
		}
		facts = append(facts, store.StageLabel(d.Stage))
	}
	if len(facts) > 0 {
		text += " — " + slackmsg.Escape(strings.Join(facts, " · "))
	}
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, slackmsg.Truncate(text, 500), false, false), nil, nil)
}

// itemBlocksOf renders one signal: what, where it came from, why it scored, and its buttons.
// Each part is clipped before it is escaped, so the section stays far under 3,000 characters.
func itemBlocksOf(it store.RunItemDetail, loc *time.Location) []slack.Block {
	var b strings.Builder
	b.Grow(512)
	b.WriteByte('*')
	b.WriteString(strconv.Itoa(it.Score))
	b.WriteString("* · ")
	b.WriteString(slackmsg.Link(it.URL, slackmsg.Cut(it.Title, 200)))
	b.WriteByte('\n')
	b.WriteString(slackmsg.Escape(store.SignalKindLabel(it.Kind)))
	if it.Person != "" {
		b.WriteString(" · " + slackmsg.Clip(it.Person, 80))
	}
	if it.OccurredAt != nil {
		b.WriteString(" · " + slackmsg.Date(it.OccurredAt.In(loc)))
	}
	b.WriteString(" · source: " + slackmsg.Escape(slackmsg.Cut(firstNonEmpty(it.Source, "unknown"), 60)))
	if host := identity.Domain(it.URL); host != "" {
		b.WriteString(" (" + slackmsg.Clip(host, 60) + ")")
	}
	if s := it.Summary; s != "" && s != it.Title {
		b.WriteString("\n" + slackmsg.Escape(strings.Join(strings.Fields(slackmsg.Cut(s, 300)), " ")))
	}
	if it.Note != "" && it.Note != it.Summary {
		// The saver's words, said as theirs.
		by := "note"
		if it.AddedBy != "" {
			by = "note from " + slackmsg.User(it.AddedBy)
		}
		b.WriteString("\n_" + by + ":_ " + slackmsg.Escape(strings.Join(strings.Fields(slackmsg.Cut(it.Note, 300)), " ")))
	}
	if it.Why != "" {
		b.WriteString("\n_why: " + slackmsg.Clip(it.Why, 400) + "_")
	}
	text := b.String()
	if len(text) > slackmsg.MaxSectionText {
		text = slackmsg.Truncate(text, slackmsg.MaxSectionText)
	}
	id := strconv.FormatInt(it.ID, 10)
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		slack.NewActionBlock("sig:"+id,
			slackmsg.Button(ActionSignalUseful, "👍 Useful", id, ""),
			slackmsg.Button(ActionSignalNoise, "👎 Noise", id, "")),
	}
}

func contextBlock(mrkdwn string) slack.Block {
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, slackmsg.Truncate(mrkdwn, slackmsg.MaxSectionText), false, false))
}

// fallback is the channel message's notification text: the count and the top accounts.
func fallback(h header, items []store.RunItemDetail) string {
	counts := map[string]int{}
	var order []string
	for _, it := range items {
		name := it.AccountName
		if it.AccountID == nil || name == "" {
			name = "other"
		}
		if counts[name] == 0 {
			order = append(order, name)
		}
		counts[name]++
	}
	var parts []string
	for i, n := range order {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("%d more", len(order)-4))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", n, counts[n]))
	}
	lead := "Signal digest: " + countText(h.Total, "new signal")
	if h.Kind == store.RunAlert {
		lead = "Signal alert: " + countText(h.Total, "signal") + fmt.Sprintf(" scored %d+", h.Threshold)
	}
	return slackmsg.Truncate(slackmsg.Escape(lead+" — "+strings.Join(parts, ", ")), slackmsg.MaxFallbackText)
}

func accountCount(items []store.RunItemDetail) int {
	seen := map[int64]bool{}
	for _, it := range items {
		if it.AccountID != nil {
			seen[*it.AccountID] = true
		} else {
			seen[0] = true
		}
	}
	return len(seen)
}

func countText(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
