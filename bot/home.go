package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"outreachbot/handlers"
	"outreachbot/store"
)

// HomeStore remembers the App Home last published to each user (store.Store): the page they were
// on and a digest of what it showed, on every replica; and says who owns accounts.
type HomeStore interface {
	LastHome(ctx context.Context, userID string) (store.HomeView, bool, error)
	RecordHome(ctx context.Context, v store.HomeView) error
	OwnersOf(ctx context.Context, accountIDs []int64) ([]string, error)
}

// The App Home is published when a user opens it or pages through it (showHome), and again,
// on the page they were on, whenever something changes what it shows: after anything a person
// does through the bot (a command, a button, a form, a DM or a mention), for them and for anyone
// the answer names (Response.Homes), and when a background job changes it (RefreshHome). A Home
// is published again only when it differs from the one last published, so a question that
// changes nothing costs no Slack call; a user who never opened the Home is left alone until they
// do (opening it publishes it).

// showHome publishes page of a user's Home as they open it or page through it.
func (b *Bot) showHome(ctx context.Context, log *slog.Logger, user string, page int) {
	b.publishHome(ctx, log, user, page, true)
}

// RefreshHome publishes a user's Home again if what it shows changed, for jobs that change it
// (a follow-up scheduled or nudged); AccountsChanged does the same for
// the owners of accounts with new signals.
func (b *Bot) RefreshHome(ctx context.Context, user string) {
	b.publishHome(ctx, b.log, user, 0, false)
}

// AccountsChanged publishes again, where it changed, the Home of everyone who owns one of the
// accounts (a watcher found new signals about them).
func (b *Bot) AccountsChanged(ctx context.Context, accountIDs []int64) {
	if b.deps.Homes == nil {
		return
	}
	owners, err := b.deps.Homes.OwnersOf(ctx, accountIDs)
	if err != nil {
		b.log.Warn("owners of accounts with new signals", "err", err)
		return
	}
	for _, u := range owners {
		b.publishHome(ctx, b.log, u, 0, false)
	}
}

// refreshHomes publishes again, where it changed, the Home of the person who acted and of
// everyone the answers named.
func (b *Bot) refreshHomes(ctx context.Context, log *slog.Logger, actor string, named *homeSet) {
	users := named.list()
	if actor != "" && !slices.Contains(users, actor) && !named.onlyReadOnly() {
		users = append([]string{actor}, users...)
	}
	if len(users) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, b.deps.Options.HandlerTimeout)
	defer cancel()
	for _, u := range users {
		b.publishHome(ctx, log, u, 0, false)
	}
}

// publishHome lays out and publishes a user's Home: their dashboard if they may use the bot, a
// short refusal otherwise (the same rule as every command, see Access). Unless always, it keeps
// the page last published to them and publishes only what differs from it; without a
// HomeStore only always publishes.
func (b *Bot) publishHome(ctx context.Context, log *slog.Logger, user string, page int, always bool) {
	// One at a time per user in this process, so two changes close together publish once.
	mu := &b.homeLocks[homeStripe(user)]
	mu.Lock()
	defer mu.Unlock()
	var last store.HomeView
	if !always {
		if b.deps.Homes == nil {
			return
		}
		var seen bool
		var err error
		if last, seen, err = b.deps.Homes.LastHome(ctx, user); err != nil || !seen {
			if err != nil {
				log.Warn("read the last app home", "user", user, "err", err)
			}
			return // never opened: opening it publishes it
		}
		page = last.Page
	}
	view, ok := b.layOutHome(ctx, log, user, page)
	if !ok || !always && homeDigest(view) == last.Digest {
		return
	}
	b.sendHome(ctx, log, user, view)
}

func (b *Bot) layOutHome(ctx context.Context, log *slog.Logger, user string, page int) (slack.HomeTabViewRequest, bool) {
	if !b.access.Allowed(ctx, user) {
		return handlers.RefusedHome(refusal()), true
	}
	view, err := b.deps.Registry.Home(ctx, user, page)
	if err != nil {
		log.Error("lay out app home", "user", user, "err", err)
		return view, false
	}
	return view, true
}

// sendHome publishes a laid-out Home and records it.
func (b *Bot) sendHome(ctx context.Context, log *slog.Logger, user string, view slack.HomeTabViewRequest) {
	if err := b.poster.PublishHome(ctx, user, view); err != nil {
		log.Error("publish app home", "user", user, "err", err)
		return
	}
	if b.deps.Homes == nil {
		return
	}
	v := store.HomeView{UserID: user, Page: homePage(view.PrivateMetadata), Digest: homeDigest(view), PublishedAt: time.Now()}
	if err := b.deps.Homes.RecordHome(ctx, v); err != nil {
		log.Warn("record the app home", "user", user, "err", err)
	}
}

// homeDigest identifies what a Home shows.
func homeDigest(view slack.HomeTabViewRequest) string {
	raw, err := json.Marshal(view)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// homeStripes is how many locks the users' Homes share.
const homeStripes = 16

// homeStripe picks the lock of a user's Home among Bot.homeLocks.
func homeStripe(user string) int {
	h := fnv.New32a()
	h.Write([]byte(user))
	return int(h.Sum32() % homeStripes)
}

// homePage reads the page a Home button or view carries; anything else is the first page.
func homePage(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// actor is the person an envelope comes from whose Home may change after it: not when the
// envelope is the Home opening or a button on the Home (those publish it themselves).
func actor(evt socketmode.Event) string {
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		return d.UserID
	case slack.InteractionCallback:
		if d.Type == slack.InteractionTypeBlockActions && d.View.Type == slack.VTHomeTab {
			return ""
		}
		return d.User.ID
	case slackevents.EventsAPIEvent:
		switch ev := d.InnerEvent.Data.(type) {
		case *slackevents.AppMentionEvent:
			return ev.User
		case *slackevents.MessageEvent:
			return ev.User
		}
	}
	return ""
}

// homeSet gathers, over one envelope, the other people whose Home the answers changed, and
// whether every answer was read-only.
type homeSet struct {
	mu       sync.Mutex
	users    []string
	answers  int // handler answers
	readOnly int // of them, read-only ones
}

type homeSetKey struct{}

// withHomeSet gives an envelope's context a homeSet that run fills from each answer.
func withHomeSet(ctx context.Context) (context.Context, *homeSet) {
	s := &homeSet{}
	return context.WithValue(ctx, homeSetKey{}, s), s
}

// noteHomes adds users to the envelope's homeSet, if it has one.
func noteHomes(ctx context.Context, users []string) {
	s, _ := ctx.Value(homeSetKey{}).(*homeSet)
	if s == nil || len(users) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range users {
		if u != "" && !slices.Contains(s.users, u) {
			s.users = append(s.users, u)
		}
	}
}

// onlyReadOnly reports whether the envelope was answered and every answer was read-only: the
// caller's Home cannot have changed. An envelope no handler answered (an event, a failure, a
// timeout) is not known to have changed nothing.
func (s *homeSet) onlyReadOnly() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answers > 0 && s.answers == s.readOnly
}

func (s *homeSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.users)
}
