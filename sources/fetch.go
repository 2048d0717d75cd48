package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// UserAgent identifies the bot to the sites it reads.
const UserAgent = "outreachbot/1 (+https://github.com/backstage/backstage; watcher)"

// MaxBody caps what one fetch reads; a larger body is an error, not a truncated parse.
const MaxBody = 16 << 20

// DefaultTimeout bounds one HTTP request when the client has none.
const DefaultTimeout = 30 * time.Second

// HTTPError is a response that was neither 2xx nor 304.
type HTTPError struct {
	URL    string
	Status int
	// RetryAfter is the server's Retry-After (seconds or an HTTP date), 0 if absent.
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("GET %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter.Round(time.Second))
	}
	return msg
}

// Temporary reports whether trying again later may succeed (429 and 5xx).
func (e *HTTPError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// RetryAfter returns the wait a failed run's error asks for, if any.
func RetryAfter(err error) time.Duration {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.RetryAfter
	}
	var ra interface{ RetryAfterDuration() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfterDuration()
	}
	return 0
}

// Fetched is a successful GET.
type Fetched struct {
	Body []byte
	// NotModified is true on 304; Body is then empty and State is prev.
	NotModified bool
	// State carries the response's ETag and Last-Modified (or prev's when absent).
	State State
}

// defaultClient is what Get uses when given none: public addresses only.
var defaultClient = NewClient(DefaultTimeout, false)

// Get fetches url with If-None-Match / If-Modified-Since from prev, within the client's timeout
// (or DefaultTimeout), reading at most MaxBody bytes.
func Get(ctx context.Context, client *http.Client, url string, prev State, accept string) (Fetched, error) {
	if client == nil {
		client = defaultClient
	}
	if client.Timeout == 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Fetched{}, fmt.Errorf("GET %s: %w", url, err)
	}
	req.Header.Set("User-Agent", UserAgent)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Fetched{}, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Fetched{NotModified: true, State: prev}, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Fetched{}, &HTTPError{URL: url, Status: resp.StatusCode, RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return Fetched{}, fmt.Errorf("GET %s: reading body: %w", url, err)
	}
	if len(body) > MaxBody {
		return Fetched{}, fmt.Errorf("GET %s: body larger than %d bytes", url, MaxBody)
	}
	st := State{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Cursor: prev.Cursor}
	return Fetched{Body: body, State: st}, nil
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date. 0 if absent or bad.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
