package templates

import (
	"context"
	"strings"
	"text/template"
)

// The static bound (maxCost) counts actions and rounds of ranges, but one action can call a
// function on a long string, and a pipeline that only assigns a variable writes nothing the
// output cap could stop. So every render also has a work budget: each function call is charged
// for the bytes it reads and writes, a function whose result would be over the output cap fails,
// and a charge made after the deadline fails too. The execution's goroutine therefore stops at
// its next call once the budget or the time is spent, instead of running on after Render has
// returned.

// workBudget is the bytes of function work one render may do: hundreds of times what a real
// template needs (a few kilobytes), and milliseconds of CPU.
const workBudget = 2 << 20

// callCost is charged for every function call on top of its bytes.
const callCost = 16

// meter is one execution's budget.
type meter struct {
	ctx    context.Context
	left   int
	maxOut int
}

func (m *meter) charge(n int) error {
	if m.ctx.Err() != nil {
		return ErrTimeout
	}
	m.left -= n + callCost
	if m.left < 0 {
		return ErrBudget
	}
	return nil
}

// meteredFuncs is the function set (userFuncs) charging m.
func meteredFuncs(m *meter) template.FuncMap {
	str := func(f func(string) string) func(string) (string, error) {
		return func(s string) (string, error) {
			if err := m.charge(2 * len(s)); err != nil {
				return "", err
			}
			return f(s), nil
		}
	}
	return template.FuncMap{
		"default": func(fallback string, v any) (string, error) {
			if err := m.charge(len(fallback)); err != nil {
				return "", err
			}
			return defaultOf(fallback, v), nil
		},
		"lower":    str(strings.ToLower),
		"upper":    str(strings.ToUpper),
		"capfirst": str(capFirst),
		"join": func(sep string, list []string) (string, error) {
			n := len(sep) * max(len(list)-1, 0)
			for _, s := range list {
				n += len(s)
			}
			if n > m.maxOut { // a result no message could hold is refused before it is built
				return "", ErrBudget
			}
			if err := m.charge(n); err != nil {
				return "", err
			}
			return strings.Join(list, sep), nil
		},
		"short": func(n int, s string) (string, error) {
			if err := m.charge(2 * len(s)); err != nil {
				return "", err
			}
			return shorten(n, s), nil
		},
	}
}

// defaultOf is the value, or the fallback when the value is empty.
func defaultOf(fallback string, v any) string {
	if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
		return s
	}
	return fallback
}
