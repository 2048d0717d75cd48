package slacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Call is one recorded Web API request (apps.connections.open included).
type Call struct {
	Method      string            // e.g. "chat.postMessage"
	Token       string            // from "Authorization: Bearer" or the "token" form field
	Args        map[string]string // form/query values, or top-level JSON fields (non-strings as JSON text); "token" left out
	Body        []byte
	At          time.Time
	Status      int             // HTTP status returned
	Error       string          // the "error" returned with ok:false ("" on success or for 5xx)
	RateLimited bool            // answered 429 because of RateLimit
	Response    json.RawMessage // JSON body returned (nil for injected 5xx)
}

// OK reports whether the call was answered 200 with ok:true.
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// ResponsePost is one POST to a response_url handed out by this server.
type ResponsePost struct {
	ResponseURL string
	Body        []byte
	JSON        map[string]any // the body decoded, nil if it was not a JSON object
	At          time.Time
}

// Message is a message as it stands after chat.postMessage / chat.update (chat.delete removes it).
type Message struct {
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage // nil when the message has none
	Edited   bool            // changed by chat.update
}

// User is what users.info returns for an ID; unknown IDs get a generated user.
type User struct {
	ID          string
	Name        string
	RealName    string
	DisplayName string
	Email       string
	TZ          string
	TZOffset    int
	IsBot       bool
	Deleted     bool
}

type rateRule struct {
	n          int
	retryAfter time.Duration
	share      float64 // when above 0, this share of calls is limited, with no count
}

type failRule struct {
	n      int
	status int
}

type apiResult struct {
	status     int
	retryAfter string
	html       bool
	body       []byte
	errCode    string
}

// RateLimit makes the next n calls of method ("" = any method, "response_url" = posts
// to response URLs) fail with HTTP 429, "Retry-After: <seconds>" and
// {"ok":false,"error":"ratelimited"}. retryAfter is rounded up to whole seconds (any
// positive sub-second value becomes 1; 0 sends "Retry-After: 0"). Calls are recorded
// with RateLimited set. Rules for the same method replace each other.
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	var r *rateRule
	if n > 0 {
		r = &rateRule{n: n, retryAfter: retryAfter}
	}
	setRule(s, s.rateLimits, method, r)
}

// RateLimitShare makes a share (0–1) of the calls of method answer 429 as RateLimit does, at
// random, until RateLimitShare(method, 0, 0): a workspace near its limit.
func (s *Server) RateLimitShare(method string, share float64, retryAfter time.Duration) {
	var r *rateRule
	if share > 0 {
		r = &rateRule{share: share, retryAfter: retryAfter}
	}
	setRule(s, s.rateLimits, method, r)
}

// FailNext makes the next n calls of method ("" = any, "response_url" as for RateLimit)
// fail with HTTP status (e.g. 500, 503) and an HTML body, as Slack does for 5xx.
// Injected failures are checked before rate limits, which are checked before tokens.
func (s *Server) FailNext(method string, n int, status int) {
	var r *failRule
	if n > 0 {
		r = &failRule{n: n, status: status}
	}
	setRule(s, s.failures, method, r)
}

// setRule sets the rule of rules for method, or removes it when r is nil, under the server's lock.
func setRule[R any](s *Server, rules map[string]*R, method string, r *R) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r == nil {
		delete(rules, method)
		return
	}
	rules[method] = r
}

// SetUnavailable makes every Web API call (apps.connections.open included) fail with HTTP status
// (e.g. 503) and an HTML body, as Slack's edge does in an outage, until SetUnavailable(0).
// Calls are recorded. Open sockets are left alone.
func (s *Server) SetUnavailable(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unavailable = status
}

// UnreachableAPIURL is a Web API base on 127.0.0.1 where nothing listens: every call fails to
// connect, as when Slack (or the network to it) is down.
func UnreachableAPIURL() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "http://127.0.0.1:1/api/"
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr + "/api/"
}

// SetUser sets what users.info returns for u.ID.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// Calls returns the recorded calls of method ("" = all), oldest first.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitForCalls waits until at least n calls of method ("" = any) have been recorded,
// rejected ones included, and returns them all.
func (s *Server) WaitForCalls(ctx context.Context, method string, n int) ([]Call, error) {
	var out []Call
	err := s.waitFor(ctx, func() bool {
		out = s.callsLocked(method)
		return len(out) >= n
	})
	return out, err
}

// ResponseURLPosts returns every accepted POST to a response_url (not ones failed by
// FailNext/RateLimit or without a JSON body), oldest first.
func (s *Server) ResponseURLPosts() []ResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ResponsePost(nil), s.posts...)
}

// WaitForResponsePosts waits until at least n response_url POSTs have arrived and returns them all.
func (s *Server) WaitForResponsePosts(ctx context.Context, n int) ([]ResponsePost, error) {
	var out []ResponsePost
	err := s.waitFor(ctx, func() bool {
		out = append([]ResponsePost(nil), s.posts...)
		return len(out) >= n
	})
	return out, err
}

// WaitForResponsePost waits for the first accepted POST to responseURL and returns it.
func (s *Server) WaitForResponsePost(ctx context.Context, responseURL string) (ResponsePost, error) {
	var out ResponsePost
	err := s.waitFor(ctx, func() bool {
		for _, p := range s.posts {
			if p.ResponseURL == responseURL {
				out = p
				return true
			}
		}
		return false
	})
	return out, err
}

// WaitForMessages waits until the messages in channel (as Messages returns them) satisfy done,
// and returns them. done runs with the server locked: it must not call the Server.
func (s *Server) WaitForMessages(ctx context.Context, channel string, done func([]Message) bool) ([]Message, error) {
	var out []Message
	err := s.waitFor(ctx, func() bool {
		ch := channel
		if dm, ok := s.dms[channel]; ok {
			ch = dm
		}
		out = append([]Message(nil), s.messages[ch]...)
		return done(out)
	})
	return out, err
}

// Messages returns the messages now in channel (a user ID means the DM with that user), in ts order.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dm, ok := s.dms[channel]; ok {
		channel = dm
	}
	return append([]Message(nil), s.messages[channel]...)
}

// DMChannel returns the DM channel ID ("D...") the server uses for userID.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmLocked(userID)
}

func (s *Server) dmLocked(userID string) string {
	if dm, ok := s.dms[userID]; ok {
		return dm
	}
	dm := fmt.Sprintf("D%07d", len(s.dms)+1)
	s.dms[userID] = dm
	return dm
}

// resolveChannelLocked maps a user ID (posting to "U..." opens the DM) to its DM channel.
func (s *Server) resolveChannelLocked(ch string) string {
	if len(ch) > 1 && (ch[0] == 'U' || ch[0] == 'W') {
		return s.dmLocked(ch)
	}
	return ch
}

// parseArgs extracts the token and arguments from a form, query or JSON request.
func parseArgs(r *http.Request, body []byte) (string, map[string]string) {
	args := map[string]string{}
	var token string
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	for k, v := range r.URL.Query() {
		args[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				args[k] = rawToString(v)
			}
		}
	case "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.ParseMultipartForm(32<<20) == nil && r.MultipartForm != nil {
			for k, v := range r.MultipartForm.Value {
				args[k] = v[0]
			}
		}
	default:
		if vals, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range vals {
				args[k] = v[0]
			}
		}
	}
	if t, ok := args["token"]; ok {
		if token == "" {
			token = t
		}
		delete(args, "token")
	}
	return token, args
}

func rawToString(v json.RawMessage) string {
	var str string
	if json.Unmarshal(v, &str) == nil {
		return str
	}
	var buf bytes.Buffer
	if json.Compact(&buf, v) == nil {
		return buf.String()
	}
	return string(v)
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	body, _ := io.ReadAll(r.Body)
	token, args := parseArgs(r, body)
	call := Call{Method: method, Token: token, Args: args, Body: body, At: time.Now()}

	s.mu.Lock()
	res := s.serveLocked(method, token, args)
	call.Status, call.Error = res.status, res.errCode
	call.RateLimited = res.status == http.StatusTooManyRequests
	if !res.html {
		call.Response = res.body
	}
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()

	writeResult(w, res)
}

func writeResult(w http.ResponseWriter, res apiResult) {
	if res.html {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	if res.retryAfter != "" {
		w.Header().Set("Retry-After", res.retryAfter)
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

func okResult(fields map[string]any) apiResult {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	b, _ := json.Marshal(fields)
	return apiResult{status: http.StatusOK, body: b}
}

func errResult(code string, messages ...string) apiResult {
	m := map[string]any{"ok": false, "error": code}
	if len(messages) > 0 {
		m["response_metadata"] = map[string]any{"messages": messages}
	}
	b, _ := json.Marshal(m)
	return apiResult{status: http.StatusOK, body: b, errCode: code}
}

// injectedLocked applies SetUnavailable, FailNext and RateLimit, if any is armed for method.
func (s *Server) injectedLocked(method string) (apiResult, bool) {
	if s.unavailable != 0 && method != "response_url" {
		return htmlFailure(s.unavailable), true
	}
	for _, key := range []string{method, ""} {
		if f := s.failures[key]; f != nil {
			if f.n--; f.n <= 0 {
				delete(s.failures, key)
			}
			return htmlFailure(f.status), true
		}
	}
	for _, key := range []string{method, ""} {
		if rl := s.rateLimits[key]; rl != nil {
			if rl.share > 0 {
				if rand.Float64() >= rl.share {
					continue
				}
			} else if rl.n--; rl.n <= 0 {
				delete(s.rateLimits, key)
			}
			secs := int64(0)
			if rl.retryAfter > 0 {
				secs = int64(math.Ceil(rl.retryAfter.Seconds()))
			}
			res := errResult("ratelimited")
			res.status = http.StatusTooManyRequests
			res.retryAfter = strconv.FormatInt(secs, 10)
			return res, true
		}
	}
	return apiResult{}, false
}

// htmlFailure is an HTTP error page as Slack's edge serves it.
func htmlFailure(status int) apiResult {
	return apiResult{status: status, html: true,
		body: fmt.Appendf(nil, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))}
}

// authErrorLocked checks the token the way Slack does for the two token kinds.
func (s *Server) authErrorLocked(method, token string) string {
	if token == "" {
		return "not_authed"
	}
	if strings.HasPrefix(method, "apps.") { // app-level token methods
		if strings.HasPrefix(token, "xoxb-") || strings.HasPrefix(token, "xoxp-") {
			return "not_allowed_token_type"
		}
		if s.appToken != "" && token != s.appToken {
			return "invalid_auth"
		}
		return ""
	}
	if strings.HasPrefix(token, "xapp-") {
		return "not_allowed_token_type"
	}
	if s.botToken != "" && token != s.botToken {
		return "invalid_auth"
	}
	return ""
}

func (s *Server) serveLocked(method, token string, args map[string]string) apiResult {
	if res, ok := s.injectedLocked(method); ok {
		return res
	}
	if code := s.authErrorLocked(method, token); code != "" {
		return errResult(code)
	}
	switch method {
	case "apps.connections.open":
		s.nextTicket++
		t := strconv.Itoa(s.nextTicket)
		s.tickets[t] = true
		s.opened++
		return okResult(map[string]any{
			"url": "ws" + strings.TrimPrefix(s.base, "http") + "/ws?ticket=" + t + "&app_id=" + AppID,
		})
	case "auth.test":
		return okResult(map[string]any{
			"url": "https://" + TeamDomain + ".slack.com/", "team": TeamName, "user": BotName,
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID, "is_enterprise_install": false,
		})
	case "chat.postMessage":
		return s.postMessageLocked(args)
	case "chat.update":
		return s.updateMessageLocked(args)
	case "chat.delete":
		ch := s.resolveChannelLocked(args["channel"])
		msgs := s.messages[ch]
		for i, m := range msgs {
			if m.TS == args["ts"] {
				s.messages[ch] = append(msgs[:i:i], msgs[i+1:]...)
				return okResult(map[string]any{"channel": ch, "ts": m.TS})
			}
		}
		return errResult("message_not_found")
	case "chat.postEphemeral":
		if res, bad := s.checkPost(args, true); bad {
			return res
		}
		return okResult(map[string]any{"message_ts": s.nextTSLocked()})
	case "chat.getPermalink":
		if args["channel"] == "" || args["message_ts"] == "" {
			return errResult("invalid_arguments")
		}
		return okResult(map[string]any{
			"channel": args["channel"],
			"permalink": fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", TeamDomain, args["channel"],
				strings.ReplaceAll(args["message_ts"], ".", "")),
		})
	case "conversations.open":
		if ch := args["channel"]; ch != "" {
			return okResult(map[string]any{"channel": map[string]any{"id": ch}, "no_op": true, "already_open": true})
		}
		users := strings.Split(args["users"], ",")
		if users[0] == "" {
			return errResult("users_list_not_supplied")
		}
		_, already := s.dms[users[0]]
		return okResult(map[string]any{
			"channel": map[string]any{"id": s.dmLocked(users[0]), "is_im": true, "user": users[0]},
			"no_op":   already, "already_open": already,
		})
	case "users.info":
		if args["user"] == "" {
			return errResult("user_not_found")
		}
		return okResult(map[string]any{"user": s.userJSONLocked(args["user"])})
	case "views.open", "views.push", "views.update", "views.publish":
		return s.viewLocked(method, args)
	default:
		return okResult(nil)
	}
}

// checkPost answers as Slack does a new message without a channel, without a user when it is
// ephemeral, without text, blocks or attachments, or with blocks Slack refuses.
func (s *Server) checkPost(args map[string]string, ephemeral bool) (apiResult, bool) {
	if args["channel"] == "" {
		return errResult("channel_not_found"), true
	}
	if ephemeral && args["user"] == "" {
		return errResult("user_not_found"), true
	}
	if args["text"] == "" && args["blocks"] == "" && args["attachments"] == "" {
		return errResult("no_text"), true
	}
	return s.checkMessageBlocks(args)
}

func (s *Server) checkMessageBlocks(args map[string]string) (apiResult, bool) {
	raw, ok := args["blocks"]
	if !ok {
		return apiResult{}, false
	}
	if code, msgs := validateBlocks(raw, 50, "/blocks"); code != "" {
		return errResult(code, msgs...), true
	}
	return apiResult{}, false
}

func rawBlocks(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return json.RawMessage(s)
}

func messageJSON(m Message) map[string]any {
	out := map[string]any{
		"type": "message", "user": BotUserID, "bot_id": BotID, "app_id": AppID, "team": TeamID,
		"text": m.Text, "ts": m.TS,
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	return out
}

func (s *Server) postMessageLocked(args map[string]string) apiResult {
	if res, bad := s.checkPost(args, false); bad {
		return res
	}
	ch := s.resolveChannelLocked(args["channel"])
	m := Message{Channel: ch, TS: s.nextTSLocked(), ThreadTS: args["thread_ts"], Text: args["text"],
		Blocks: rawBlocks(args["blocks"])}
	s.messages[ch] = append(s.messages[ch], m)
	return okResult(map[string]any{"channel": ch, "ts": m.TS, "message": messageJSON(m)})
}

func (s *Server) updateMessageLocked(args map[string]string) apiResult {
	if args["channel"] == "" {
		return errResult("channel_not_found")
	}
	if res, bad := s.checkMessageBlocks(args); bad {
		return res
	}
	ch := s.resolveChannelLocked(args["channel"])
	for i, m := range s.messages[ch] {
		if m.TS != args["ts"] {
			continue
		}
		if t, ok := args["text"]; ok {
			m.Text = t
		}
		if b, ok := args["blocks"]; ok {
			m.Blocks = rawBlocks(b)
		}
		m.Edited = true
		s.messages[ch][i] = m
		return okResult(map[string]any{"channel": ch, "ts": m.TS, "text": m.Text, "message": messageJSON(m)})
	}
	return errResult("message_not_found")
}

func (s *Server) userJSONLocked(id string) map[string]any {
	u, ok := s.users[id]
	if !ok {
		low := strings.ToLower(id)
		u = User{ID: id, Name: "user_" + low, RealName: "User " + id, DisplayName: "user_" + low,
			Email: low + "@example.com", TZ: "America/New_York", TZOffset: -18000}
	}
	return map[string]any{
		"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.RealName, "deleted": u.Deleted,
		"tz": u.TZ, "tz_offset": u.TZOffset, "is_bot": u.IsBot,
		"profile": map[string]any{
			"real_name": u.RealName, "display_name": u.DisplayName, "email": u.Email, "team": TeamID,
		},
	}
}

func (s *Server) viewLocked(method string, args map[string]string) apiResult {
	raw := args["view"]
	var view map[string]any
	if raw == "" || json.Unmarshal([]byte(raw), &view) != nil {
		return errResult("invalid_arguments", "[ERROR] missing required field: view")
	}
	var id string
	switch method {
	case "views.open", "views.push":
		if args["trigger_id"] == "" {
			return errResult("invalid_arguments", "[ERROR] missing required field: trigger_id")
		}
	case "views.update":
		id = args["view_id"]
		if id == "" && args["external_id"] == "" {
			return errResult("invalid_arguments", "[ERROR] missing required field: view_id or external_id")
		}
	case "views.publish":
		if args["user_id"] == "" {
			return errResult("invalid_arguments", "[ERROR] missing required field: user_id")
		}
		if view["type"] != "home" {
			return errResult("invalid_arguments", "[ERROR] view type must be home [json-pointer:/view/type]")
		}
	}
	if msgs := validateView(view); len(msgs) > 0 {
		return errResult("invalid_arguments", msgs...)
	}
	if id == "" {
		id = fmt.Sprintf("V%07d", s.nextIDLocked())
	}
	view["id"] = id
	view["team_id"] = TeamID
	view["app_id"] = AppID
	view["bot_id"] = BotID
	view["root_view_id"] = id
	view["hash"] = fmt.Sprintf("%d.%08x", time.Now().Unix(), s.nextIDLocked())
	if _, ok := view["state"]; !ok {
		view["state"] = map[string]any{"values": map[string]any{}}
	}
	return okResult(map[string]any{"view": view})
}

// handleResponseURL records POSTs to response URLs.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	post := ResponsePost{ResponseURL: s.base + r.URL.Path, Body: body, At: time.Now()}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		post.JSON = m
	}
	s.mu.Lock()
	res, injected := s.injectedLocked("response_url")
	if !injected {
		if r.Method != http.MethodPost || post.JSON == nil {
			res = apiResult{status: http.StatusBadRequest, body: []byte(`{"ok":false,"error":"invalid_payload"}`),
				errCode: "invalid_payload"}
		} else {
			res = okResult(nil)
			s.posts = append(s.posts, post)
			s.notifyLocked()
		}
	}
	s.mu.Unlock()
	writeResult(w, res)
}
