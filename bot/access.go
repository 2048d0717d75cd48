package bot

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// GroupMembers lists the members of a Slack user group (usergroups.users.list).
type GroupMembers func(ctx context.Context, groupID string) ([]string, error)

// Access decides who may use the bot and who is an admin. Entries are user ids (U…, W…) or user
// group ids (S…), whose members are looked up and cached for a few minutes.
type Access struct {
	allowed, admins []string
	members         GroupMembers
	ttl             time.Duration
	log             *slog.Logger

	mu    sync.Mutex
	cache map[string]groupCache
}

type groupCache struct {
	members map[string]bool
	at      time.Time
}

// NewAccess builds the access rules. An empty allowed list lets everyone in; an empty admin list
// makes nobody an admin.
func NewAccess(allowed, admins []string, members GroupMembers, log *slog.Logger) *Access {
	return &Access{allowed: allowed, admins: admins, members: members, ttl: 5 * time.Minute, log: log, cache: map[string]groupCache{}}
}

// Allowed reports whether a user may use the bot.
func (a *Access) Allowed(ctx context.Context, user string) bool {
	if len(a.allowed) == 0 {
		return true
	}
	return a.in(ctx, user, a.allowed) || a.in(ctx, user, a.admins)
}

// Admin reports whether a user is an admin.
func (a *Access) Admin(ctx context.Context, user string) bool {
	return a.in(ctx, user, a.admins)
}

func (a *Access) in(ctx context.Context, user string, list []string) bool {
	for _, id := range list {
		if id == user {
			return true
		}
		if strings.HasPrefix(id, "S") && a.groupHas(ctx, id, user) {
			return true
		}
	}
	return false
}

func (a *Access) groupHas(ctx context.Context, group, user string) bool {
	a.mu.Lock()
	c, ok := a.cache[group]
	a.mu.Unlock()
	if ok && time.Since(c.at) < a.ttl {
		return c.members[user]
	}
	if a.members == nil {
		return false
	}
	ids, err := a.members(ctx, group)
	if err != nil {
		a.log.Warn("look up user group members", "group", group, "err", err)
		return ok && c.members[user] // keep the last known members on a failed refresh
	}
	c = groupCache{members: map[string]bool{}, at: time.Now()}
	for _, id := range ids {
		c.members[id] = true
	}
	a.mu.Lock()
	a.cache[group] = c
	a.mu.Unlock()
	return c.members[user]
}
