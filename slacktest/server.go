// Package slacktest is a Slack test double for end-to-end tests of the bot.
//
// A Server answers the Web API under APIURL() and speaks the real Socket Mode
// protocol over a real websocket: apps.connections.open hands out a one-time
// ws:// URL, the socket gets a "hello", envelopes (slash_commands, interactive,
// events_api) are written to it and the app's acks are read back. Point
// slack-go at it with
//
//	api := slack.New(botToken, slack.OptionAppLevelToken(appToken), slack.OptionAPIURL(srv.APIURL()))
//	client := socketmode.New(api)
//
// Protocol reference: https://api.slack.com/apis/connections/socket-implement
// and slack-go v0.35.0 socketmode/socket_mode_managed_conn.go.
//
// Everything is safe for concurrent use; several bot replicas may hold a
// socket each, and envelopes are spread over them round-robin.
//
// Layers (layers_test.go): imports no outreachbot package; only tests import it.
package slacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"
)

// Identities the server reports (auth.test, hello, envelopes, default slash commands).
const (
	TeamID     = "T0001"
	TeamName   = "Slacktest"
	TeamDomain = "slacktest"
	AppID      = "A0001"
	BotUserID  = "U0BOT0001"
	BotID      = "B0BOT0001"
	BotName    = "outreachbot"

	// DefaultPingInterval is how often each socket gets a websocket PING
	// unless changed with WithPingInterval or SetPings. slack-go's client
	// drops a socket after 30 s (socketmode.OptionPingInterval) without one.
	DefaultPingInterval = 5 * time.Second

	// VerificationToken is the legacy "token" field put in payloads.
	VerificationToken = "slacktest-verification-token"
)

// ErrClosed is returned by waits that end because the Server was closed.
var ErrClosed = errors.New("slacktest: server closed")

// Option configures a Server.
type Option func(*Server)

// WithAppToken makes apps.connections.open reject any other token with invalid_auth.
func WithAppToken(tok string) Option { return func(s *Server) { s.appToken = tok } }

// WithBotToken makes every other Web API method reject any other token with invalid_auth.
func WithBotToken(tok string) Option { return func(s *Server) { s.botToken = tok } }

// WithPingInterval sets the websocket PING interval (0 = never ping).
func WithPingInterval(d time.Duration) Option { return func(s *Server) { s.pingInterval = d } }

// Server is a running Slack test double. Create it with NewServer and Close it when done.
type Server struct {
	hs       *httptest.Server
	base     string // "http://127.0.0.1:PORT", set before the server starts
	appToken string
	botToken string

	wg   sync.WaitGroup // websocket handlers and ping loops
	done chan struct{}  // closed by Close

	mu           sync.Mutex
	closed       bool
	changed      chan struct{} // closed and replaced on every state change
	pingInterval time.Duration
	pingChanged  chan struct{} // closed and replaced by SetPings

	conns      map[int]*wsConn // sockets that got hello and are still open
	nextConnID int
	hellos     int
	opened     int
	blocked    int             // waitFor calls now waiting
	pings      int             // websocket PINGs sent, on every socket
	tickets    map[string]bool // issued, unused apps.connections.open tickets
	nextTicket int
	rr         int

	pending map[string][]*waiter // envelope_id → senders waiting for the ack
	acks    []Ack

	calls       []Call
	posts       []ResponsePost
	messages    map[string][]Message // channel → messages in ts order
	users       map[string]User
	dms         map[string]string // user ID → DM channel ID
	rateLimits  map[string]*rateRule
	failures    map[string]*failRule
	unavailable int // SetUnavailable's HTTP status, 0 when up
	seq         int
	tsMicros    int64
}

// NewServer starts a Server on 127.0.0.1 (an httptest server).
func NewServer(opts ...Option) *Server {
	s := &Server{
		done:         make(chan struct{}),
		changed:      make(chan struct{}),
		pingInterval: DefaultPingInterval,
		pingChanged:  make(chan struct{}),
		conns:        map[int]*wsConn{},
		tickets:      map[string]bool{},
		pending:      map[string][]*waiter{},
		messages:     map[string][]Message{},
		users:        map[string]User{},
		dms:          map[string]string{},
		rateLimits:   map[string]*rateRule{},
		failures:     map[string]*failRule{},
		tsMicros:     1700000000_000000,
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/ws", s.handleWS)
	mux.HandleFunc("/response/", s.handleResponseURL)
	s.hs = httptest.NewUnstartedServer(mux)
	s.base = "http://" + s.hs.Listener.Addr().String()
	s.hs.Start()
	return s
}

// URL is the server's base URL, e.g. "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.base }

// APIURL is the Web API base for slack.OptionAPIURL, e.g. "http://127.0.0.1:PORT/api/".
func (s *Server) APIURL() string { return s.base + "/api/" }

// Close stops the server: open sockets get a close frame, pending waits return
// ErrClosed, and Close returns once every handler goroutine has exited. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	conns := s.snapshotConnsLocked()
	s.conns = map[int]*wsConn{}
	s.notifyLocked()
	s.mu.Unlock()

	for _, c := range conns {
		c.closeGracefully()
	}
	s.hs.Close()
	s.wg.Wait()
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond (called with s.mu held) is true, ctx ends or the server closes.
// While it blocks it counts in s.blocked (a change: tests wait for a waiter to be waiting).
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	counted := false
	defer func() {
		if counted {
			s.mu.Lock()
			s.blocked--
			s.mu.Unlock()
		}
	}()
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		if !counted {
			counted = true
			s.blocked++
			s.notifyLocked()
			s.mu.Unlock()
			continue // look again: the change may be what cond waits for
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// snapshotConnsLocked returns the open connections in id order; s.mu must be held.
func (s *Server) snapshotConnsLocked() []*wsConn {
	out := make([]*wsConn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// nextIDLocked returns a fresh sequence number; s.mu must be held.
func (s *Server) nextIDLocked() int {
	s.seq++
	return s.seq
}

// nextTSLocked returns a fresh, strictly increasing message ts like "1700000000.000100".
func (s *Server) nextTSLocked() string {
	s.tsMicros += 100
	return fmt.Sprintf("%d.%06d", s.tsMicros/1_000_000, s.tsMicros%1_000_000)
}

// newUUID returns a random RFC 4122 version 4 UUID string (envelope IDs look like this).
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// NewTriggerID returns a fresh trigger_id in Slack's format.
func (s *Server) NewTriggerID() string {
	s.mu.Lock()
	n := s.nextIDLocked()
	s.mu.Unlock()
	var b [10]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%d.%d.%s", 1700000000+n, 1000+n, hex.EncodeToString(b[:]))
}

// NewResponseURL returns a fresh response_url on this server; POSTs to it show up in ResponseURLPosts.
func (s *Server) NewResponseURL() string {
	s.mu.Lock()
	n := s.nextIDLocked()
	s.mu.Unlock()
	return fmt.Sprintf("%s/response/%d", s.base, n)
}
