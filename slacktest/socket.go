package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope is one Socket Mode delivery, as written on the wire.
type Envelope struct {
	EnvelopeID             string // "" = a fresh UUID
	Type                   string // "slash_commands", "interactive", "events_api", or anything else
	Payload                any    // marshalled as "payload"; json.RawMessage and []byte are sent as is
	AcceptsResponsePayload bool
	RetryAttempt           int
	RetryReason            string
}

// Ack is the app's acknowledgement of an envelope.
type Ack struct {
	EnvelopeID  string
	Payload     json.RawMessage // the ack's "payload", nil when the app sent none
	Latency     time.Duration   // from writing the envelope to reading the ack
	ResponseURL string          // the envelope payload's response_url, if it had one
	Conn        int             // connection the envelope went out on (for an unmatched ack: the one it came in on)
	Matched     bool            // false for an ack nobody was waiting for (late, duplicate or unknown)
}

// SlashCommand describes a slash command invocation; zero fields get defaults.
type SlashCommand struct {
	Command      string // default "/slacktest"
	Text         string
	UserID       string // default "U0001"
	UserName     string // default "tester"
	ChannelID    string // default "C0001"
	ChannelName  string // default "general"
	TeamID       string // default TeamID
	TriggerID    string // default a fresh trigger_id
	ResponseURL  string // default a fresh response_url on this server
	RetryAttempt int
	EnvelopeID   string // default a fresh UUID
}

type waiter struct {
	ch          chan Ack // buffered 1; written once under Server.mu
	sentAt      time.Time
	conn        int
	responseURL string
}

type wsConn struct {
	id        int
	ws        *websocket.Conn
	host      string
	wmu       sync.Mutex // serialises data frames (gorilla allows one writer)
	done      chan struct{}
	closeOnce sync.Once
	draining  bool // got a disconnect message; guarded by Server.mu
}

func (c *wsConn) write(data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

func (c *wsConn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.write(b)
}

// kill closes the TCP connection without a close frame.
func (c *wsConn) kill() { c.closeOnce.Do(func() { _ = c.ws.Close() }) }

func (c *wsConn) closeGracefully() {
	_ = c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseGoingAway, "server closing"),
		time.Now().Add(200*time.Millisecond))
	c.kill()
}

type debugInfo struct {
	Host                      string `json:"host"`
	BuildNumber               int    `json:"build_number,omitempty"`
	ApproximateConnectionTime int    `json:"approximate_connection_time,omitempty"`
}

type helloMsg struct {
	Type           string    `json:"type"`
	NumConnections int       `json:"num_connections"`
	DebugInfo      debugInfo `json:"debug_info"`
	ConnectionInfo struct {
		AppID string `json:"app_id"`
	} `json:"connection_info"`
}

type disconnectMsg struct {
	Type      string    `json:"type"`
	Reason    string    `json:"reason"`
	DebugInfo debugInfo `json:"debug_info"`
}

type wireEnvelope struct {
	EnvelopeID             string          `json:"envelope_id"`
	Payload                json.RawMessage `json:"payload"`
	Type                   string          `json:"type"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           *int            `json:"retry_attempt,omitempty"`
	RetryReason            *string         `json:"retry_reason,omitempty"`
}

var upgrader = websocket.Upgrader{
	// slack-go sends "Origin: https://api.slack.com", which the default check would refuse.
	CheckOrigin: func(*http.Request) bool { return true },
}

// handleWS serves the URL handed out by apps.connections.open.
func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	if !s.tickets[ticket] {
		s.mu.Unlock()
		// Slack's URLs are single use; slack-go calls apps.connections.open before every dial.
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	delete(s.tickets, ticket)
	s.wg.Add(1) // under s.mu with !closed, so never concurrent with Close's Wait at zero
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.nextConnID++
	c := &wsConn{id: s.nextConnID, ws: ws, done: make(chan struct{})}
	c.host = fmt.Sprintf("applink-slacktest-%d", c.id)
	num := len(s.conns) + 1
	s.mu.Unlock()
	defer close(c.done)
	defer c.kill()

	hello := helloMsg{Type: "hello", NumConnections: num,
		DebugInfo: debugInfo{Host: c.host, BuildNumber: 1, ApproximateConnectionTime: 18060}}
	hello.ConnectionInfo.AppID = AppID
	if err := c.writeJSON(hello); err != nil {
		return
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.closeGracefully()
		return
	}
	s.conns[c.id] = c
	s.hellos++
	s.notifyLocked()
	s.wg.Add(1) // counter > 0 here (this handler holds one)
	s.mu.Unlock()
	go s.pingLoop(c)

	s.readLoop(c)

	s.mu.Lock()
	delete(s.conns, c.id)
	s.notifyLocked()
	s.mu.Unlock()
}

// readLoop reads acks until the socket fails or closes.
func (s *Server) readLoop(c *wsConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		var m struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &m) != nil || m.EnvelopeID == "" {
			continue
		}
		if string(m.Payload) == "null" {
			m.Payload = nil
		}
		s.mu.Lock()
		ack := Ack{EnvelopeID: m.EnvelopeID, Payload: m.Payload, Conn: c.id}
		if ws := s.pending[m.EnvelopeID]; len(ws) > 0 {
			w := ws[0]
			if len(ws) == 1 {
				delete(s.pending, m.EnvelopeID)
			} else {
				s.pending[m.EnvelopeID] = ws[1:]
			}
			ack.Latency = now.Sub(w.sentAt)
			ack.ResponseURL = w.responseURL
			ack.Conn = w.conn
			ack.Matched = true
			w.ch <- ack
		}
		s.acks = append(s.acks, ack)
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// pingLoop sends websocket PINGs at the current interval; it restarts on SetPings.
func (s *Server) pingLoop(c *wsConn) {
	defer s.wg.Done()
	ping := func() {
		if c.ws.WriteControl(websocket.PingMessage, []byte("slacktest"), time.Now().Add(time.Second)) == nil {
			s.mu.Lock()
			s.pings++
			s.notifyLocked()
			s.mu.Unlock()
		}
	}
	first := true
	for {
		s.mu.Lock()
		iv, changed := s.pingInterval, s.pingChanged
		s.mu.Unlock()
		var tick <-chan time.Time
		var t *time.Timer
		if iv > 0 {
			if first {
				ping() // slack-go counts from connect; ping at once so its first check passes
			}
			t = time.NewTimer(iv)
			tick = t.C
		}
		first = false
		select {
		case <-c.done:
			if t != nil {
				t.Stop()
			}
			return
		case <-changed:
			if t != nil {
				t.Stop()
			}
		case <-tick:
			ping()
		}
	}
}

// SetPings changes the PING interval on every socket, now and later (0 = stop pinging,
// which slack-go notices after its OptionPingInterval, 30 s by default).
func (s *Server) SetPings(interval time.Duration) {
	s.mu.Lock()
	s.pingInterval = interval
	close(s.pingChanged)
	s.pingChanged = make(chan struct{})
	s.mu.Unlock()
}

// WaitConnected waits until n sockets in total have been sent hello (reconnects count).
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.hellos >= n })
}

// WaitConnections waits until at least n sockets are open at once.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return len(s.conns) >= n })
}

// Connections is the number of sockets open now (including ones told to disconnect).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// ConnectionsOpened is the number of apps.connections.open calls served with ok:true.
func (s *Server) ConnectionsOpened() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened
}

// Hellos is the number of sockets that have been sent hello in total.
func (s *Server) Hellos() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hellos
}

// Acks returns every ack received so far, matched or not, in arrival order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// Disconnect sends {"type":"disconnect","reason":reason,"debug_info":{...}} on every open
// socket; those sockets get no more envelopes and are left for the client to close.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	conns := s.snapshotConnsLocked()
	for _, c := range conns {
		c.draining = true
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.writeJSON(disconnectMsg{Type: "disconnect", Reason: reason, DebugInfo: debugInfo{Host: c.host}})
	}
}

// DropAll closes every socket abruptly (TCP close, no close frame).
func (s *Server) DropAll() {
	s.mu.Lock()
	conns := s.snapshotConnsLocked()
	for _, c := range conns {
		delete(s.conns, c.id)
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
}

// pickConn returns the next live socket round-robin, waiting for one if there is none.
func (s *Server) pickConn(ctx context.Context) (*wsConn, error) {
	var c *wsConn
	err := s.waitFor(ctx, func() bool {
		var live []*wsConn
		for _, x := range s.snapshotConnsLocked() {
			if !x.draining {
				live = append(live, x)
			}
		}
		if len(live) == 0 {
			return false
		}
		c = live[s.rr%len(live)]
		s.rr++
		return true
	})
	return c, err
}

// removeWaiterLocked drops w from the pending list; false if an ack already took it.
func (s *Server) removeWaiterLocked(id string, w *waiter) bool {
	ws := s.pending[id]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i:i], ws[i+1:]...)
			if len(ws) == 0 {
				delete(s.pending, id)
			} else {
				s.pending[id] = ws
			}
			return true
		}
	}
	return false
}

// Send delivers env on the next open socket (waiting for one if needed) and returns when
// its ack arrives, ctx ends, or the server closes. An envelope the client cannot parse
// (e.g. an unknown inner event type) is never acked by slack-go, so use a ctx deadline.
func (s *Server) Send(ctx context.Context, env Envelope) (Ack, error) {
	if env.EnvelopeID == "" {
		env.EnvelopeID = newUUID()
	}
	payload, err := marshalPayload(env.Payload)
	if err != nil {
		return Ack{EnvelopeID: env.EnvelopeID}, err
	}
	wire := wireEnvelope{EnvelopeID: env.EnvelopeID, Payload: payload, Type: env.Type,
		AcceptsResponsePayload: env.AcceptsResponsePayload}
	if env.Type == "events_api" || env.RetryAttempt != 0 || env.RetryReason != "" {
		wire.RetryAttempt, wire.RetryReason = &env.RetryAttempt, &env.RetryReason
	}
	data, err := json.Marshal(wire)
	if err != nil {
		return Ack{EnvelopeID: env.EnvelopeID}, err
	}
	var top struct {
		ResponseURL string `json:"response_url"`
	}
	_ = json.Unmarshal(payload, &top)

	w := &waiter{ch: make(chan Ack, 1), responseURL: top.ResponseURL}
	for {
		c, err := s.pickConn(ctx)
		if err != nil {
			return Ack{EnvelopeID: env.EnvelopeID}, fmt.Errorf("slacktest: no socket for envelope %s: %w", env.EnvelopeID, err)
		}
		s.mu.Lock()
		w.conn, w.sentAt = c.id, time.Now()
		s.pending[env.EnvelopeID] = append(s.pending[env.EnvelopeID], w)
		s.mu.Unlock()
		if err := c.write(data); err == nil {
			break
		}
		// The socket died under us: forget it and try the next one, as Slack would.
		s.mu.Lock()
		s.removeWaiterLocked(env.EnvelopeID, w)
		if s.conns[c.id] == c {
			delete(s.conns, c.id)
			s.notifyLocked()
		}
		s.mu.Unlock()
		c.kill()
	}

	var cause error
	select {
	case a := <-w.ch:
		return a, nil
	case <-ctx.Done():
		cause = ctx.Err()
	case <-s.done:
		cause = ErrClosed
	}
	s.mu.Lock()
	removed := s.removeWaiterLocked(env.EnvelopeID, w)
	s.mu.Unlock()
	if !removed { // the ack won the race
		return <-w.ch, nil
	}
	return Ack{EnvelopeID: env.EnvelopeID, ResponseURL: top.ResponseURL, Conn: w.conn},
		fmt.Errorf("slacktest: no ack for envelope %s: %w", env.EnvelopeID, cause)
}

func marshalPayload(p any) (json.RawMessage, error) {
	switch v := p.(type) {
	case nil:
		return json.RawMessage("{}"), nil
	case json.RawMessage:
		return v, nil
	case []byte:
		return json.RawMessage(v), nil
	default:
		return json.Marshal(v)
	}
}

// SlashCommand delivers a slash_commands envelope (payload fields as Slack sends them,
// including "is_enterprise_install":"false") and waits for its ack.
func (s *Server) SlashCommand(ctx context.Context, cmd SlashCommand) (Ack, error) {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&cmd.Command, "/slacktest")
	def(&cmd.UserID, "U0001")
	def(&cmd.UserName, "tester")
	def(&cmd.ChannelID, "C0001")
	def(&cmd.ChannelName, "general")
	def(&cmd.TeamID, TeamID)
	if cmd.TriggerID == "" {
		cmd.TriggerID = s.NewTriggerID()
	}
	if cmd.ResponseURL == "" {
		cmd.ResponseURL = s.NewResponseURL()
	}
	payload := map[string]any{
		"token":                 VerificationToken,
		"team_id":               cmd.TeamID,
		"team_domain":           TeamDomain,
		"channel_id":            cmd.ChannelID,
		"channel_name":          cmd.ChannelName,
		"user_id":               cmd.UserID,
		"user_name":             cmd.UserName,
		"command":               cmd.Command,
		"text":                  cmd.Text,
		"api_app_id":            AppID,
		"is_enterprise_install": "false",
		"response_url":          cmd.ResponseURL,
		"trigger_id":            cmd.TriggerID,
	}
	return s.Send(ctx, Envelope{EnvelopeID: cmd.EnvelopeID, Type: "slash_commands", Payload: payload,
		AcceptsResponsePayload: true, RetryAttempt: cmd.RetryAttempt})
}

// Interaction delivers an "interactive" envelope with payload (block_actions,
// view_submission, shortcut, ...) and waits for its ack. accepts_response_payload is
// set for view_submission and block_suggestion payloads.
func (s *Server) Interaction(ctx context.Context, payload any) (Ack, error) {
	raw, err := marshalPayload(payload)
	if err != nil {
		return Ack{}, err
	}
	var top struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &top)
	accepts := top.Type == "view_submission" || top.Type == "block_suggestion"
	return s.Send(ctx, Envelope{Type: "interactive", Payload: raw, AcceptsResponsePayload: accepts})
}

// EventPayload wraps an inner event in an event_callback with a fresh event_id; send it
// yourself with Send (type "events_api") to simulate redeliveries of the same event.
func (s *Server) EventPayload(event any) (json.RawMessage, error) {
	inner, err := marshalPayload(event)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	n := s.nextIDLocked()
	s.mu.Unlock()
	return json.Marshal(map[string]any{
		"token":      VerificationToken,
		"team_id":    TeamID,
		"api_app_id": AppID,
		"event":      inner,
		"type":       "event_callback",
		"event_id":   fmt.Sprintf("Ev%08d", n),
		"event_time": time.Now().Unix(),
		"authorizations": []map[string]any{{
			"enterprise_id": nil, "team_id": TeamID, "user_id": BotUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         fmt.Sprintf("4-slacktest-%d", n),
	})
}

// Event wraps event (the inner event, e.g. {"type":"app_home_opened",...}) in an
// events_api callback, delivers it and waits for its ack. slack-go drops inner event
// types it cannot parse (the app sees error_bad_message and never acks), so such a
// call only ends with ctx.
func (s *Server) Event(ctx context.Context, event any) (Ack, error) {
	p, err := s.EventPayload(event)
	if err != nil {
		return Ack{}, err
	}
	return s.Send(ctx, Envelope{Type: "events_api", Payload: p})
}
