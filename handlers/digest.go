package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/digest"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// DigestService is what /digest needs from the digest engine (package digest): subscriptions,
// previews, runs on demand, statistics and votes. It posts nothing itself: runs it builds are
// posted by the digest scheduler within seconds.
type DigestService interface {
	// Subscribe checks and stores a subscription.
	Subscribe(ctx context.Context, req digest.SubscribeRequest) (digest.SubscriptionInfo, error)
	// Subscriptions lists the subscriptions posting to a channel and the user's personal ones;
	// with no channel and no user, every subscription.
	Subscriptions(ctx context.Context, channelID, userID string) ([]digest.SubscriptionInfo, error)
	// Subscription fetches one subscription.
	Subscription(ctx context.Context, id int64) (digest.SubscriptionInfo, error)
	// Unsubscribe stops a subscription.
	Unsubscribe(ctx context.Context, id int64) error
	// Preview renders what the next digest would post now, claiming nothing.
	Preview(ctx context.Context, id int64) (digest.Preview, error)
	// RunNow builds a digest of what is new now, for the scheduler to post.
	RunNow(ctx context.Context, id int64, userID string) (digest.RunNowResult, error)
	// Stats sums the votes and the runs of the last 30 days.
	Stats(ctx context.Context) (digest.Stats, error)
	// Vote records a Useful (+1) or Noise (-1) vote on a signal.
	Vote(ctx context.Context, signalID int64, userID string, vote int) (digest.WeightedVote, error)
}

// Digests answers /digest and the Useful / Noise buttons.
type Digests struct {
	svc     DigestService
	segment Segment
}

// NewDigests builds the /digest handler.
func NewDigests(svc DigestService, seg Segment) *Digests {
	return &Digests{svc: svc, segment: seg}
}

// Command declares /digest.
func (h *Digests) Command() Command { return declared("/digest", h.Handle) }

// Actions returns the vote buttons this handler owns.
func (h *Digests) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{
		digest.ActionSignalUseful: func(ctx context.Context, a Action) (slackmsg.Response, error) {
			return h.vote(ctx, a, store.VoteUseful)
		},
		digest.ActionSignalNoise: func(ctx context.Context, a Action) (slackmsg.Response, error) { return h.vote(ctx, a, store.VoteNoise) },
	}
}

// Handle answers /digest.
func (h *Digests) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	sub, rest := splitFirst(req.Text)
	var (
		resp slackmsg.Response
		err  error
	)
	switch strings.ToLower(sub) {
	case "subscribe", "sub":
		resp, err = h.subscribe(ctx, req, rest)
	case "list", "ls", "":
		resp, err = h.list(ctx, req, strings.EqualFold(strings.TrimSpace(rest), "all"))
	case "unsubscribe", "unsub", "remove":
		resp, err = h.unsubscribe(ctx, req, rest)
	case "preview":
		resp, err = h.preview(ctx, req, rest)
	case "now", "run":
		resp, err = h.now(ctx, req, rest)
	case "stats":
		resp, err = h.stats(ctx)
	default:
		return slackmsg.Ephemeral(fmt.Sprintf("I don't know `/digest %s`. Try `/digest subscribe`, `list`, `unsubscribe <id>`, `preview`, `now` or `stats`.", slackmsg.Escape(sub))), nil
	}
	var ue *slackmsg.UserError
	if errors.As(err, &ue) {
		return slackmsg.Ephemeral(ue.Msg), nil
	}
	return resp, err
}

// channelRe matches a channel as Slack sends it in command text: <#C123|name> or <#C123>.
var channelRe = regexp.MustCompile(`^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$`)

func (h *Digests) subscribe(ctx context.Context, req Request, text string) (slackmsg.Response, error) {
	r, err := h.parseSubscribe(req, text)
	if err != nil {
		return slackmsg.Response{}, err
	}
	info, err := h.svc.Subscribe(ctx, r)
	if err != nil {
		return slackmsg.Response{}, err
	}
	where := "here"
	if info.Personal() {
		where = "to you by DM (accounts you own)"
	} else if info.ChannelID != req.ChannelID {
		where = "to <#" + info.ChannelID + ">"
	}
	msg := fmt.Sprintf(":white_check_mark: Subscription *#%d*: new signals %s, %s. First run: *%s*.",
		info.ID, where, scheduleText(info.Subscription), whenText(info.Next, info.Timezone))
	if b := info.BackfillFrom; b != nil {
		msg += fmt.Sprintf(" It also covers the signals found since *%s* (one period of the schedule), so it isn't empty on day one; `/digest now %d` posts it now.",
			whenText(*b, info.Timezone), info.ID)
	}
	if f := digest.DescribeFilter(info.Filters); f != "" {
		msg += "\nFilters: " + slackmsg.Escape(f) + "."
	}
	for _, w := range info.Warnings {
		msg += "\n:warning: Careful: " + w + "."
	}
	if info.AlertThreshold > 0 {
		msg += fmt.Sprintf("\nAlerts: a signal scoring %d+ is posted at once (at most %d alert posts an hour; a burst becomes one post).", info.AlertThreshold, info.AlertCap)
	}
	msg += fmt.Sprintf("\n`/digest preview %d` shows what it would post now; `/digest unsubscribe %d` stops it.", info.ID, info.ID)
	if info.Timezone == "UTC" && !strings.Contains(strings.ToLower(text), "tz:") {
		msg += " Times are UTC: add `tz:Europe/London` (any IANA zone) to change."
	}
	return slackmsg.Ephemeral(msg), nil
}

// parseSubscribe reads [#channel|me] [schedule] [tz:…] [filters…].
func (h *Digests) parseSubscribe(req Request, text string) (digest.SubscribeRequest, error) {
	r := digest.SubscribeRequest{ChannelID: req.ChannelID, UserID: req.UserID}
	toks, err := tokenize(text)
	if err != nil {
		return r, err
	}
	var sched []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		low := strings.ToLower(t)
		if m := channelRe.FindStringSubmatch(t); m != nil {
			r.ChannelID = m[1]
			continue
		}
		switch {
		case low == "me":
			r.Personal, r.ChannelID = true, req.UserID
			continue
		case strings.HasPrefix(t, "#"):
			return r, userErrorf("Pick the channel from Slack's list as you type `#` so I get its id (I saw `%s` as plain text).", slackmsg.Escape(t))
		case low == "daily" || low == "weekdays" || low == "weekly" || low == "hourly" || low == "cron":
			if len(sched) > 0 {
				return r, userErrorf("Give one schedule only.")
			}
			n := map[string]int{"daily": 1, "weekdays": 1, "weekly": 2, "hourly": 0, "cron": 1}[low]
			if i+n >= len(toks) {
				return r, userErrorf("`%s` needs %s, e.g. `%s`.", low, map[string]string{"daily": "a time", "weekdays": "a time", "weekly": "a day and a time", "cron": "an expression in quotes"}[low],
					map[string]string{"daily": "daily 09:00", "weekdays": "weekdays 08:30", "weekly": "weekly mon 09:00", "cron": `cron "0 9 * * 1-5"`}[low])
			}
			sched = append(sched, toks[i:i+n+1]...)
			i += n
			continue
		}
		key, val, ok := strings.Cut(t, ":")
		if !ok || val == "" {
			return r, userErrorf("`%s` is neither a schedule nor a filter. See `/digest help`.", slackmsg.Escape(t))
		}
		if err := h.setOption(&r, strings.ToLower(key), val); err != nil {
			return r, err
		}
	}
	r.Schedule = strings.Join(sched, " ")
	if r.Filter.Segment == "target" && len(r.Filter.Industries) == 0 {
		r.Filter.Industries = append([]string(nil), h.segment.Industries...)
	}
	return r, nil
}

func (h *Digests) setOption(r *digest.SubscribeRequest, key, val string) error {
	num := func(min, max int) (int, error) {
		n, err := strconv.Atoi(val)
		if err != nil || n < min || n > max {
			return 0, userErrorf("`%s:%s` must be a number from %d to %d.", slackmsg.Escape(key), slackmsg.Escape(val), min, max)
		}
		return n, nil
	}
	var err error
	switch key {
	case "tz", "timezone":
		r.Timezone = val
	case "industry":
		for _, v := range strings.Split(val, ",") {
			if v = strings.TrimSpace(v); v != "" {
				r.Filter.Industries = append(r.Filter.Industries, v)
			}
		}
	case "segment", "size":
		switch strings.ToLower(val) {
		case "target", "mid-market", "midmarket":
			r.Filter.Segment = "target"
			r.Filter.EmployeesMin, r.Filter.EmployeesMax = h.segment.EmployeesMin, h.segment.EmployeesMax
		case "enterprise":
			r.Filter.Segment, r.Filter.EmployeesMin, r.Filter.EmployeesMax = "enterprise", h.segment.EmployeesMax+1, 0
		case "small", "smb":
			r.Filter.Segment, r.Filter.EmployeesMin, r.Filter.EmployeesMax = "small", 0, max(h.segment.EmployeesMin-1, 1)
		default:
			if r.Filter.EmployeesMin, r.Filter.EmployeesMax, err = parseSize(val); err != nil {
				return err
			}
			r.Filter.Segment = val
		}
	case "kind", "kinds":
		for _, k := range strings.Split(val, ",") {
			k = normalizeKind(k)
			if !store.IsSignalKind(k) {
				return userErrorf("`%s` is not a kind. Use one of: %s.", slackmsg.Escape(k), kindList())
			}
			r.Filter.Kinds = append(r.Filter.Kinds, k)
		}
	case "min-score", "minscore", "min_score", "score":
		r.Filter.MinScore, err = num(0, 100)
	case "alert", "alerts":
		r.AlertThreshold, err = num(1, 100)
	case "alert-cap", "alertcap", "alert_cap", "cap":
		r.AlertCap, err = num(1, 60)
	case "quiet", "all-quiet":
		switch strings.ToLower(val) {
		case "on", "yes", "true", "1":
			r.AllQuiet = true
		case "off", "no", "false", "0":
			r.AllQuiet = false
		default:
			return userErrorf("Use `quiet:on` or `quiet:off`.")
		}
	default:
		return userErrorf("I don't know `%s:`. Filters: industry, segment, kind, min-score; also tz, alert, alert-cap, quiet.", slackmsg.Escape(key))
	}
	return err
}

func (h *Digests) list(ctx context.Context, req Request, all bool) (slackmsg.Response, error) {
	channel, user := req.ChannelID, req.UserID
	if all {
		channel, user = "", ""
	}
	subs, err := h.svc.Subscriptions(ctx, channel, user)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if all {
		// Other people's personal digests are theirs to see.
		kept := subs[:0]
		for _, s := range subs {
			if !s.Personal() || s.OwnerUserID == req.UserID || req.Admin {
				kept = append(kept, s)
			}
		}
		subs = kept
	}
	if len(subs) == 0 {
		return slackmsg.Ephemeral("No digests here yet (`/digest list all` shows every channel's). Start one with `/digest subscribe weekdays 08:30 tz:Europe/London`, or `/digest subscribe me daily 08:00` for the accounts you own."), nil
	}
	var b slackmsg.Builder
	b.Header("Digest subscriptions")
	for _, s := range subs {
		b.Section(subscriptionLine(s))
	}
	b.Context("`/digest preview <id>` · `/digest now <id>` · `/digest unsubscribe <id>`")
	return slackmsg.Response{Text: plural(len(subs), "digest subscription"), Blocks: b.Blocks()}, nil
}

func subscriptionLine(s digest.SubscriptionInfo) string {
	where := "<#" + s.ChannelID + ">"
	if s.Personal() {
		where = slackmsg.User(s.OwnerUserID) + "'s DM (accounts they own)"
	}
	line := fmt.Sprintf("*#%d* · %s · %s · next %s", s.ID, where, scheduleText(s.Subscription), whenText(s.Next, s.Timezone))
	var extra []string
	if f := digest.DescribeFilter(s.Filters); f != "" {
		extra = append(extra, "filters: "+slackmsg.Escape(f))
	}
	if s.AlertThreshold > 0 {
		extra = append(extra, fmt.Sprintf("alerts at %d+ (max %d/h)", s.AlertThreshold, s.AlertCap))
	}
	if s.AllQuiet {
		extra = append(extra, "all-quiet line on")
	}
	if r := s.LastPosted; r != nil {
		extra = append(extra, "last digest "+runText(*r, s.Timezone))
	}
	if r := s.LastRun; r != nil {
		extra = append(extra, "last run "+runText(*r, s.Timezone))
	}
	if len(extra) > 0 {
		line += "\n" + strings.Join(extra, " · ")
	}
	return line
}

func runText(r store.Run, tz string) string {
	when := whenText(r.CreatedAt, tz)
	switch r.State {
	case store.RunDone:
		return fmt.Sprintf("%s: posted %s", when, plural(r.Items, "signal"))
	case store.RunEmpty:
		return when + ": nothing new"
	case store.RunPosting:
		return fmt.Sprintf("%s: posting %s", when, plural(r.Items, "signal"))
	case store.RunFailed:
		return fmt.Sprintf("%s: :warning: failed (%s)", when, slackmsg.Clip(r.Error, 120))
	}
	return when
}

// resolveSub finds the subscription a command means: the id given, or the only one in the
// channel (or, failing that, the user's only personal one).
func (h *Digests) resolveSub(ctx context.Context, req Request, arg, verb string) (digest.SubscriptionInfo, error) {
	arg = strings.TrimPrefix(strings.TrimSpace(arg), "#")
	if arg != "" {
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || id <= 0 {
			return digest.SubscriptionInfo{}, userErrorf("`%s` is not a subscription id; `/digest list` shows them.", slackmsg.Escape(arg))
		}
		s, err := h.svc.Subscription(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !s.Active) {
			return digest.SubscriptionInfo{}, userErrorf("There is no subscription #%d; `/digest list` shows them.", id)
		}
		if err != nil {
			return digest.SubscriptionInfo{}, err
		}
		if s.Personal() && s.OwnerUserID != req.UserID && !req.Admin {
			return digest.SubscriptionInfo{}, userErrorf("Subscription #%d is someone's personal digest.", id)
		}
		return s, nil
	}
	subs, err := h.svc.Subscriptions(ctx, req.ChannelID, req.UserID)
	if err != nil {
		return digest.SubscriptionInfo{}, err
	}
	var here, mine []digest.SubscriptionInfo
	for _, s := range subs {
		if s.ChannelID == req.ChannelID && !s.Personal() {
			here = append(here, s)
		} else if s.Personal() && s.OwnerUserID == req.UserID {
			mine = append(mine, s)
		}
	}
	switch {
	case len(here) == 1:
		return here[0], nil
	case len(here) == 0 && len(mine) == 1:
		return mine[0], nil
	case len(here) == 0 && len(mine) == 0:
		return digest.SubscriptionInfo{}, userErrorf("No digest here. Start one with `/digest subscribe`.")
	}
	ids := make([]string, 0, len(here)+len(mine))
	for _, s := range append(here, mine...) {
		ids = append(ids, fmt.Sprintf("`%d`", s.ID))
	}
	return digest.SubscriptionInfo{}, userErrorf("Several digests could be meant (%s): say which, e.g. `/digest %s %d`.", strings.Join(ids, ", "), verb, append(here, mine...)[0].ID)
}

func (h *Digests) unsubscribe(ctx context.Context, req Request, arg string) (slackmsg.Response, error) {
	if strings.TrimSpace(arg) == "" {
		return slackmsg.Ephemeral("Which one? `/digest unsubscribe <id>` — `/digest list` shows the ids."), nil
	}
	s, err := h.resolveSub(ctx, req, arg, "unsubscribe")
	if err != nil {
		return slackmsg.Response{}, err
	}
	if !s.Personal() && s.CreatedBy != req.UserID && !req.Admin {
		who := "an admin"
		if s.CreatedBy != "" {
			who = slackmsg.User(s.CreatedBy) + " (who made it) or an admin"
		}
		return slackmsg.Ephemeral(fmt.Sprintf("Only %s can stop subscription *#%d*.", who, s.ID)), nil
	}
	if err := h.svc.Unsubscribe(ctx, s.ID); err != nil {
		return slackmsg.Response{}, err
	}
	return slackmsg.Ephemeral(fmt.Sprintf("Stopped subscription *#%d* (%s). Its history stays in `/digest stats`.", s.ID, scheduleText(s.Subscription))), nil
}

func (h *Digests) preview(ctx context.Context, req Request, arg string) (slackmsg.Response, error) {
	s, err := h.resolveSub(ctx, req, arg, "preview")
	if err != nil {
		return slackmsg.Response{}, err
	}
	p, err := h.svc.Preview(ctx, s.ID)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if p.Signals == 0 {
		return slackmsg.Ephemeral(fmt.Sprintf("Nothing new for *#%d* since %s; its next run (%s) would post nothing.",
			s.ID, whenText(p.Since, s.Timezone), whenText(s.Next, s.Timezone))), nil
	}
	msg := p.Message
	note := fmt.Sprintf("_Preview of #%d (only you see this): %s would go out now", s.ID, plural(p.Signals, "signal"))
	if p.InThread > 0 {
		note += fmt.Sprintf(", %d of them in the thread", p.InThread)
	}
	note += "._"
	msg.Blocks = append([]slack.Block{slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, note, false, false))}, msg.Blocks...)
	if len(msg.Blocks) > slackmsg.MaxBlocks {
		msg.Blocks = msg.Blocks[:slackmsg.MaxBlocks]
	}
	msg.InChannel = false
	return msg, nil
}

func (h *Digests) now(ctx context.Context, req Request, arg string) (slackmsg.Response, error) {
	s, err := h.resolveSub(ctx, req, arg, "now")
	if err != nil {
		return slackmsg.Response{}, err
	}
	res, err := h.svc.RunNow(ctx, s.ID, req.UserID)
	if err != nil {
		return slackmsg.Response{}, err
	}
	where := "<#" + s.ChannelID + ">"
	if s.Personal() {
		where = "your DM"
	}
	switch {
	case res.Busy:
		return slackmsg.Ephemeral(fmt.Sprintf("Digest #%d is being posted right now; anything newer goes in its next run. Try again in a minute.", s.ID)), nil
	case res.Run == nil || res.Run.State == store.RunEmpty:
		return slackmsg.Ephemeral(fmt.Sprintf("Nothing new for *#%d* since %s, so I posted nothing.", s.ID, whenText(res.Since, s.Timezone))), nil
	}
	msg := fmt.Sprintf("Posting %s to %s now", plural(res.Run.Items, "new signal"), where)
	if res.Run.Pages > 1 {
		msg += " (the best in the message, the rest in its thread)"
	}
	return slackmsg.Ephemeral(msg + "."), nil
}

func (h *Digests) stats(ctx context.Context) (slackmsg.Response, error) {
	st, err := h.svc.Stats(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var b slackmsg.Builder
	b.Header("Digest stats")
	if len(st.Votes) == 0 {
		b.Section("*Votes:* none yet. Press *Useful* or *Noise* on digest items: each kind and source's votes raise or lower its future scores.")
	} else {
		lines := []string{"*Votes by kind and source* (they weigh future scores)"}
		for _, v := range st.Votes {
			lines = append(lines, fmt.Sprintf("• %s from %s: %d useful · %d noise → ×%.2f",
				slackmsg.Escape(store.SignalKindLabel(v.Kind)), slackmsg.Escape(orDash(v.Source)), v.Useful, v.Noise, v.Weight))
		}
		b.Section(strings.Join(lines, "\n"))
	}
	if len(st.Subscriptions) > 0 {
		lines := []string{fmt.Sprintf("*Runs since %s*", slackmsg.Date(st.Since))}
		for _, s := range st.Subscriptions {
			where := "<#" + s.ChannelID + ">"
			if s.OwnerUserID != "" {
				where = slackmsg.User(s.OwnerUserID) + "'s DM"
			}
			lines = append(lines, fmt.Sprintf("• *#%d* %s: %s, %s, %s posted · %d with nothing new · %d failed",
				s.SubscriptionID, where, plural(s.Digests, "digest"), plural(s.Alerts, "alert"), plural(s.Signals, "signal"), s.Empty, s.Failed))
		}
		b.Section(strings.Join(lines, "\n"))
	}
	return slackmsg.Response{Text: "Digest stats", Blocks: b.Blocks()}, nil
}

func (h *Digests) vote(ctx context.Context, a Action, vote int) (slackmsg.Response, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil {
		return slackmsg.Ephemeral("That button belongs to an older digest."), nil
	}
	w, err := h.svc.Vote(ctx, id, a.UserID, vote)
	if errors.Is(err, store.ErrNotFound) {
		return slackmsg.Ephemeral("That signal was removed."), nil
	}
	if err != nil {
		return slackmsg.Response{}, err
	}
	word := "useful"
	if vote < 0 {
		word = "noise"
	}
	return slackmsg.Ephemeral(fmt.Sprintf("Thanks — marked *%s*. %s signals from %s now have %d useful · %d noise votes, so they score ×%.2f.",
		word, slackmsg.Escape(store.SignalKindLabel(w.Kind)), slackmsg.Escape(orDash(w.Source)), w.Useful, w.Noise, w.Weight)), nil
}

// scheduleText shows a subscription's schedule and zone.
func scheduleText(s store.Subscription) string {
	return digest.ScheduleLabel(s) + " " + slackmsg.Escape(s.Timezone)
}

// whenText shows a time in a zone: "Tue 4 Mar 08:30".
func whenText(t time.Time, tz string) string {
	if t.IsZero() {
		return "never"
	}
	if loc, err := time.LoadLocation(tz); err == nil {
		t = t.In(loc)
	}
	return t.Format("Mon 2 Jan 15:04")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
