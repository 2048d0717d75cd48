package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// SourcesStore is what /sources reads and changes.
type SourcesStore interface {
	WatchSources(ctx context.Context) ([]store.WatchSource, error)
	WatchSourceByKey(ctx context.Context, key string) (*store.WatchSource, error)
	SaveWatchSource(ctx context.Context, ws store.WatchSource) error
	RemoveWatchSource(ctx context.Context, key string) error
}

// Sources answers /sources: the public sources the watchers read, how their last runs went, and
// (for admins) adding, changing and removing them.
type Sources struct {
	store    SourcesStore
	validate func(context.Context, store.WatchSource) error
	now      func() time.Time
}

// NewSources builds the /sources handler. validate checks a source before it is saved (kind,
// target, schedule, a public address); now is the clock for "ran 5 min ago".
func NewSources(st SourcesStore, validate func(context.Context, store.WatchSource) error, now func() time.Time) *Sources {
	if now == nil {
		now = time.Now
	}
	if validate == nil {
		validate = func(context.Context, store.WatchSource) error { return nil }
	}
	return &Sources{store: st, validate: validate, now: now}
}

// sourceSchedules is how often each kind of source is read unless told otherwise.
var sourceSchedules = map[string]string{
	store.SourceFeed:       "@hourly",
	store.SourceGitHub:     "*/30 * * * *",
	store.SourceAdopters:   "@daily",
	store.SourceGreenhouse: "@every 6h",
	store.SourceLever:      "@every 6h",
}

// Command declares /sources.
func (h *Sources) Command() Command { return declared("/sources", h.Handle) }

// Handle answers /sources.
func (h *Sources) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	if !req.Admin {
		return slackmsg.Ephemeral("Only admins can see and change the watched sources (`OUTREACHBOT_ADMIN_USERS`)."), nil
	}
	verb, rest := splitFirst(req.Text)
	switch strings.ToLower(verb) {
	case "":
		return h.list(ctx)
	case "add", "set":
		return h.add(ctx, req.UserID, rest)
	case "remove", "rm", "delete":
		return h.remove(ctx, rest)
	case "pause", "disable":
		return h.setEnabled(ctx, rest, false)
	case "resume", "enable", "run":
		return h.setEnabled(ctx, rest, true)
	}
	return slackmsg.Ephemeral(fmt.Sprintf("I don't know `/sources %s`. Try `/sources`, `/sources add …`, `/sources remove <key>` or `/sources help`.", slackmsg.Clip(verb, 40))), nil
}

func (h *Sources) list(ctx context.Context) (slackmsg.Response, error) {
	all, err := h.store.WatchSources(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var b slackmsg.Builder
	b.Header("Watched sources")
	if len(all) == 0 {
		b.Section("No sources yet. Add one with `/sources add feed <url>`, `/sources add github owner/repo` or `/sources add lever <company>`.")
		return slackmsg.Response{Text: "No watched sources", Blocks: b.Blocks()}, nil
	}
	failing := 0
	now := h.now()
	for _, ws := range all {
		if ws.LastError != "" {
			failing++
		}
		b.Section(h.describe(ws, now))
	}
	b.Context(fmt.Sprintf("%s, %d failing. Add with `/sources add <kind> <target>`, remove with `/sources remove <key>`.", plural(len(all), "source"), failing))
	return slackmsg.Response{Text: fmt.Sprintf("%s watched, %d failing", plural(len(all), "source"), failing), Blocks: b.Blocks()}, nil
}

// describe renders one source: what it is, its last run, what it found and its last error.
func (h *Sources) describe(ws store.WatchSource, now time.Time) string {
	icon := ":large_green_circle:"
	switch {
	case !ws.Enabled:
		icon = ":double_vertical_bar:"
	case ws.LastError != "":
		icon = ":red_circle:"
	case ws.LastRunAt == nil:
		icon = ":white_circle:"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s *%s* · %s `%s`", icon, slackmsg.Escape(ws.Key), slackmsg.Escape(ws.Kind), slackmsg.Clip(ws.Target, 120))
	if ws.Account != "" {
		fmt.Fprintf(&sb, " · for *%s*", slackmsg.Escape(ws.Account))
	}
	fmt.Fprintf(&sb, " · `%s`", slackmsg.Escape(ws.Schedule))
	if !ws.Enabled {
		sb.WriteString(" · _paused_")
	}
	sb.WriteString("\n")
	if ws.LastRunAt == nil {
		sb.WriteString("Last run: never")
	} else {
		fmt.Fprintf(&sb, "Last run: %s (%s)", sourceAgo(now, *ws.LastRunAt), time.Duration(ws.LastDurationMS*int64(time.Millisecond)).Round(time.Millisecond))
		if ws.LastOKAt != nil {
			fmt.Fprintf(&sb, " · items found: %d new of %d read · %d in all", ws.ItemsFound, ws.ItemsSeen, ws.TotalFound)
		}
	}
	if ws.Enabled && ws.NextRunAt != nil {
		fmt.Fprintf(&sb, " · next: %s", sourceUntil(now, *ws.NextRunAt))
	}
	if ws.LastError != "" {
		fmt.Fprintf(&sb, "\nLast error (%s): %s", plural(ws.Failures, "failure"), slackmsg.Clip(ws.LastError, 300))
	} else {
		sb.WriteString("\nLast error: none")
	}
	return sb.String()
}

func (h *Sources) add(ctx context.Context, userID, args string) (slackmsg.Response, error) {
	words, opts := sourceArgs(args)
	if len(words) != 2 {
		return slackmsg.Ephemeral("Say what to watch: `/sources add <kind> <target>`, where kind is one of " +
			"`feed`, `github`, `adopters`, `greenhouse`, `lever`. For example `/sources add lever spotify account=Spotify`."), nil
	}
	kind, target := strings.ToLower(words[0]), words[1]
	ws := store.WatchSource{Kind: kind, Target: target, Account: opts["account"], Schedule: opts["schedule"],
		Key: strings.ToLower(opts["key"]), Enabled: true, AddedBy: userID}
	if ws.Schedule == "" {
		ws.Schedule = sourceSchedules[kind]
	}
	if ws.Key == "" {
		ws.Key = sourceKey(kind, target)
	}
	for k := range opts {
		if k != "account" && k != "schedule" && k != "key" {
			return slackmsg.Ephemeral(fmt.Sprintf("I don't know the option `%s`; use `key=`, `account=` or `schedule=`.", slackmsg.Escape(k))), nil
		}
	}
	if err := h.validate(ctx, ws); err != nil {
		return slackmsg.Ephemeral("I can't watch that: " + slackmsg.Escape(err.Error())), nil
	}
	if dup, err := h.sameTarget(ctx, ws); err != nil || dup != nil {
		if err != nil {
			return slackmsg.Response{}, err
		}
		return slackmsg.Ephemeral(fmt.Sprintf("*%s* already watches %s `%s`, so I didn't add a second watcher. `/sources run %s` runs it now; `/sources remove %s` stops it.",
			slackmsg.Escape(dup.Key), slackmsg.Escape(dup.Kind), slackmsg.Escape(dup.Target), slackmsg.Escape(dup.Key), slackmsg.Escape(dup.Key))), nil
	}
	existed := true
	if _, err := h.store.WatchSourceByKey(ctx, ws.Key); errors.Is(err, store.ErrNotFound) {
		existed = false
	} else if err != nil {
		return slackmsg.Response{}, err
	}
	if err := h.store.SaveWatchSource(ctx, ws); err != nil {
		return slackmsg.Response{}, err
	}
	verb := "Now watching"
	if existed {
		verb = "Changed"
	}
	return slackmsg.Ephemeral(fmt.Sprintf("%s *%s*: %s `%s` on `%s`%s. It runs at the next tick; `/sources` shows how it went.",
		verb, slackmsg.Escape(ws.Key), slackmsg.Escape(ws.Kind), slackmsg.Escape(ws.Target), slackmsg.Escape(ws.Schedule), sourceForAccount(ws.Account))), nil
}

// sameTarget finds another source (another key) of the same kind watching the same target:
// "backstage/backstage", "https://github.com/Backstage/backstage/" and "backstage/backstage " are
// one repository; two watchers of it would store every item twice over.
func (h *Sources) sameTarget(ctx context.Context, ws store.WatchSource) (*store.WatchSource, error) {
	all, err := h.store.WatchSources(ctx)
	if err != nil {
		return nil, err
	}
	want := targetIdentity(ws.Kind, ws.Target)
	for i, o := range all {
		if o.Key != ws.Key && o.Kind == ws.Kind && targetIdentity(o.Kind, o.Target) == want {
			return &all[i], nil
		}
	}
	return nil, nil
}

// targetIdentity is a target as compared for sameness: lower case, without scheme, "www.",
// GitHub's host, or slashes at the ends.
func targetIdentity(kind, target string) string {
	t := strings.ToLower(strings.TrimSpace(target))
	for _, p := range []string{"https://", "http://", "www."} {
		t = strings.TrimPrefix(t, p)
	}
	if kind == store.SourceGitHub {
		t = strings.TrimPrefix(t, "github.com/")
		t = strings.TrimSuffix(t, ".git")
	}
	return strings.Trim(t, "/")
}

func sourceForAccount(a string) string {
	if a == "" {
		return ""
	}
	return " for *" + slackmsg.Escape(a) + "*"
}

func (h *Sources) remove(ctx context.Context, key string) (slackmsg.Response, error) {
	key = strings.ToLower(strings.TrimSpace(key))
	if key == "" {
		return slackmsg.Ephemeral("Say which: `/sources remove <key>` (`/sources` lists the keys)."), nil
	}
	if err := h.store.RemoveWatchSource(ctx, key); errors.Is(err, store.ErrNotFound) {
		return slackmsg.Ephemeral(fmt.Sprintf("There is no source *%s*; `/sources` lists them.", slackmsg.Escape(key))), nil
	} else if err != nil {
		return slackmsg.Response{}, err
	}
	return slackmsg.Ephemeral(fmt.Sprintf("Stopped watching *%s*. The signals it found stay.", slackmsg.Escape(key))), nil
}

// setEnabled pauses or resumes a source; resuming (or "run") makes it due at the next tick.
func (h *Sources) setEnabled(ctx context.Context, key string, enabled bool) (slackmsg.Response, error) {
	key = strings.ToLower(strings.TrimSpace(key))
	ws, err := h.store.WatchSourceByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) || key == "" {
		return slackmsg.Ephemeral(fmt.Sprintf("There is no source *%s*; `/sources` lists them.", slackmsg.Escape(key))), nil
	}
	if err != nil {
		return slackmsg.Response{}, err
	}
	ws.Enabled = enabled
	if err := h.store.SaveWatchSource(ctx, *ws); err != nil {
		return slackmsg.Response{}, err
	}
	if !enabled {
		return slackmsg.Ephemeral(fmt.Sprintf("Paused *%s*; `/sources resume %s` starts it again.", slackmsg.Escape(key), slackmsg.Escape(key))), nil
	}
	return slackmsg.Ephemeral(fmt.Sprintf("*%s* runs at the next tick.", slackmsg.Escape(key))), nil
}

// sourceArgRE is one word, a key=value, or a key="quoted value".
var sourceArgRE = regexp.MustCompile(`(\w+)=("([^"]*)"|“([^”]*)”|(\S*))|("([^"]*)"|\S+)`)

// sourceArgs splits `feed https://x account="Acme Corp" schedule="*/30 * * * *"` into words and
// options.
func sourceArgs(s string) ([]string, map[string]string) {
	var words []string
	opts := map[string]string{}
	for _, m := range sourceArgRE.FindAllStringSubmatch(s, -1) {
		if m[1] != "" {
			v := m[3] + m[4] + m[5]
			opts[strings.ToLower(m[1])] = strings.TrimSpace(v)
			continue
		}
		w := m[6]
		if m[7] != "" {
			w = m[7]
		}
		words = append(words, w)
	}
	return words, opts
}

// sourceKey derives a key from what is watched: "feed-engineering-atspotify-com", "lever-spotify".
func sourceKey(kind, target string) string {
	t := target
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		t = strings.TrimPrefix(u.Hostname(), "www.")
	}
	var b strings.Builder
	b.WriteString(kind)
	b.WriteByte('-')
	dash := false
	for _, r := range strings.ToLower(t) {
		if unicode.IsLetter(r) && r < 128 || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(slackmsg.Cut(b.String(), 60), "-…")
}

func sourceAgo(now, t time.Time) string {
	if d := now.Sub(t); d >= time.Minute {
		return roughly(d) + " ago"
	}
	return "just now"
}

func sourceUntil(now, t time.Time) string {
	if d := t.Sub(now); d > time.Minute {
		return "in " + roughly(d)
	}
	return "at the next tick"
}

// roughly says a duration of a minute or more in whole minutes, hours (under two days) or days.
func roughly(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
