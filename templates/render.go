package templates

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"text/template"
	"time"
	"unicode/utf8"
)

// Draft is a rendered template.
type Draft struct {
	Template string
	Channel  Channel
	Subject  string // e-mail only
	Body     string
	// Variant is "" for the template's body, or "short" when its shorter variant was used
	// because the body was over the limit.
	Variant string
	Chars   int // characters in Body
	Limit   int // the most characters Body may have
}

// OverLimit reports whether the body or subject is longer than allowed.
func (d Draft) OverLimit() bool {
	return d.Chars > d.Limit || utf8.RuneCountInString(d.Subject) > MaxSubjectChars
}

// LimitError says a draft is longer than its channel allows even in its short variant. The draft
// is never cut: the caller shows it as is, to be edited, or picks another template.
type LimitError struct {
	Part         string // "body" or "subject"
	Chars, Limit int
	Channel      Channel
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("the %s is %d characters; a %s allows %d", e.Part, e.Chars, e.Channel.Label(), e.Limit)
}

// GapError says a template inserted an empty value: a draft never shows a gap where a name or
// a fact should be.
type GapError struct {
	Expr string // the template expression, e.g. ".Contact.Title"
}

func (e *GapError) Error() string {
	return fmt.Sprintf("{{%s}} is empty here; guard it with {{with %s}}…{{end}} or use default", e.Expr, e.Expr)
}

// ErrTimeout is returned when a template runs past its time limit.
var ErrTimeout = errors.New("the template ran past its time limit")

// ErrOutputCap is returned when a template writes more than the output cap.
var ErrOutputCap = errors.New("the template wrote more than the output cap")

// limits bound one render.
type limits struct {
	maxOutput int           // bytes a template may write
	timeout   time.Duration // wall time a render may take
}

// renderLimits are generous for a message of a few hundred words and tight for anything else.
// The work budget (budget.go) is what bounds a render's CPU to milliseconds; the wall-time limit
// is the backstop behind it, so it leaves room for a busy machine's scheduling delays (at 250 ms
// a shipped template failed at load 24 on 2 cores) and still answers well within a command's deadline.
var renderLimits = limits{maxOutput: 16 << 10, timeout: 2 * time.Second}

// Render fills the template with d. When the body is over the template's limit it tries the
// template's "short" variant; when that is over too (or there is none) it returns the shorter
// draft with a *LimitError. Any other error means there is no usable draft.
func (t *Template) Render(ctx context.Context, d Data) (Draft, error) {
	return t.render(ctx, d, renderLimits)
}

func (t *Template) render(ctx context.Context, d Data, lim limits) (Draft, error) {
	d = d.clamp()
	spec, _ := t.Channel.Spec()
	d.Channel = spec.Label
	out := Draft{Template: t.Name, Channel: t.Channel, Limit: t.Limit}
	body, err := execute(ctx, t.body, t.Name, d, lim)
	if err != nil {
		return out, err
	}
	out.Body, out.Chars = body, utf8.RuneCountInString(body)
	if out.Chars > t.Limit && t.HasShort() {
		short, err := execute(ctx, t.body, ShortVariant, d, lim)
		if err != nil {
			return out, fmt.Errorf("short variant: %w", err)
		}
		if n := utf8.RuneCountInString(short); n < out.Chars {
			out.Body, out.Chars, out.Variant = short, n, ShortVariant
		}
	}
	if t.subject != nil {
		subj, err := execute(ctx, t.subject, t.subject.Name(), d, lim)
		if err != nil {
			return out, fmt.Errorf("subject: %w", err)
		}
		if strings.Contains(subj, "\n") {
			return out, errors.New("subject: the subject must be one line")
		}
		out.Subject = subj
	}
	if out.Chars > t.Limit {
		return out, &LimitError{Part: "body", Chars: out.Chars, Limit: t.Limit, Channel: t.Channel}
	}
	if n := utf8.RuneCountInString(out.Subject); n > MaxSubjectChars {
		return out, &LimitError{Part: "subject", Chars: n, Limit: MaxSubjectChars, Channel: t.Channel}
	}
	return out, nil
}

// execute runs one template with a deadline and an output cap. The template runs in its own
// goroutine so a deadline returns at once; the sandbox's cost bound and the writer, which
// refuses every write after the deadline, make that goroutine end soon after.
func execute(ctx context.Context, t *template.Template, name string, d Data, lim limits) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, lim.timeout)
	defer cancel()
	// Each execution gets its own copy of the function set, charging its own budget.
	t, err := t.Clone()
	if err != nil {
		return "", fmt.Errorf("does not run: %w", err)
	}
	t.Funcs(meteredFuncs(&meter{ctx: ctx, left: workBudget, maxOut: lim.maxOutput}))
	w := &cappedWriter{max: lim.maxOutput, ctx: ctx}
	done := make(chan error, 1)
	finished := make(chan struct{})
	lastExecution.Store(finished)
	go func() {
		defer close(finished)
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("the template failed: %v", p)
			}
		}()
		done <- t.ExecuteTemplate(w, name, d)
	}()
	select {
	case err := <-done:
		if err != nil {
			return "", execErr(err, w)
		}
	case <-ctx.Done():
		return "", fmt.Errorf("%w (%s)", ErrTimeout, lim.timeout)
	}
	text := tidy(w.buf.String())
	if text == "" {
		return "", errors.New("the template produced no text")
	}
	if mark, ok := gapMark(text); ok {
		return "", fmt.Errorf("the text has a gap (%q): a value is missing around it", mark)
	}
	return text, nil
}

// lastExecution is closed when the latest template execution's goroutine has ended, whatever
// its render returned (tests wait on it to see that a stopped render really stops).
var lastExecution atomic.Value // chan struct{}

// ErrBudget is returned when a template does more work than a render allows.
var ErrBudget = errors.New("the template does too much work")

// execErr unwraps the errors a render ends with into ones a template author can act on.
func execErr(err error, w *cappedWriter) error {
	var gap *GapError
	switch {
	case w.capped:
		return fmt.Errorf("%w (%d bytes)", ErrOutputCap, w.max)
	case w.late, errors.Is(err, ErrTimeout):
		return ErrTimeout
	case errors.Is(err, ErrOutputCap):
		return fmt.Errorf("%w (%d bytes)", ErrOutputCap, w.max)
	case errors.Is(err, ErrBudget):
		return fmt.Errorf("%w (more than %d bytes of work in its functions); simplify it", ErrBudget, workBudget)
	case errors.As(err, &gap):
		return gap
	}
	return fmt.Errorf("does not run: %s", trimTemplateErr(err))
}

// cappedWriter collects output up to max bytes and refuses writes past it or past the deadline.
type cappedWriter struct {
	buf    strings.Builder
	max    int
	ctx    context.Context
	capped bool
	late   bool
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.ctx.Err() != nil {
		w.late = true
		return 0, ErrTimeout
	}
	if w.buf.Len()+len(p) > w.max {
		w.capped = true
		return 0, ErrOutputCap
	}
	return w.buf.Write(p)
}

// escaper makes the function appended to every printing action: it turns the value into text,
// escapes it for the channel, and refuses an empty one.
func escaper(escape func(string) string) func(string, any) (string, error) {
	return func(expr string, v any) (string, error) {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case int, int64, float64:
			s = fmt.Sprint(v)
		case nil:
			return "", &GapError{Expr: expr}
		default:
			return "", fmt.Errorf("{{%s}} is a %T; only text can be inserted (use join for a list)", expr, v)
		}
		s = escape(s)
		if strings.TrimSpace(s) == "" {
			return "", &GapError{Expr: expr}
		}
		return s, nil
	}
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidy trims trailing spaces from lines, keeps at most one blank line in a row and trims the ends.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// gapMarks are what text looks like around a value that came out empty or wrong.
var gapMarks = []string{"<no value>", "<nil>", "%!", "()", "“”", `""`, "''", " ,", " .", " ;", "— —", ", ,"}

// gapMark finds a sign of a missing value: a marker above, or two spaces inside a line.
func gapMark(s string) (string, bool) {
	for _, m := range gapMarks {
		if strings.Contains(s, m) {
			return m, true
		}
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(strings.TrimLeft(l, " "), "  ") {
			return "  ", true
		}
	}
	return "", false
}
