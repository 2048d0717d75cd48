package templates

import (
	"slices"
	"sort"
)

// Situation is what the choice of a template depends on.
type Situation struct {
	// SignalKinds are the kinds of the account's public signals, strongest signal first; empty
	// when the account has none (not warm).
	SignalKinds []string
	Stage       string
	Role        string   // the contact's role group
	Pains       []string // pain points the account shows in public
	Channel     Channel  // "" = any channel
}

// Ranked is a template that fits a situation, with the signal kind it would refer to.
type Ranked struct {
	Template   *Template
	SignalKind string // "" for a not-warm template
	Score      int
}

// Rank lists the templates that fit the situation, best first. A template that refers to a kind
// of signal fits only when the account has such a signal; a not-warm template fits only an
// account without any, because it says so. Ties go to the longer limit, then by name, so the
// order is stable and "another template" cycles predictably.
func Rank(ts []*Template, s Situation) []Ranked {
	var out []Ranked
	for _, t := range ts {
		if s.Channel != "" && t.Channel != s.Channel || !t.FitsStage(s.Stage) {
			continue
		}
		kind, score, ok := signalFit(t, s.SignalKinds)
		if !ok {
			continue
		}
		switch {
		case len(t.Fits.Roles) > 0 && !slices.Contains(t.Fits.Roles, RoleAny) && t.FitsRole(s.Role):
			score += 2
		case t.FitsRole(s.Role):
			score++
		}
		for _, p := range s.Pains {
			if slices.Contains(t.Fits.Pains, p) {
				score += 2
				break
			}
		}
		out = append(out, Ranked{Template: t, SignalKind: kind, Score: score})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		// Between equals, the fuller message first: it has room for the pain and a peer; the
		// connection note is one "Another template" away.
		if out[i].Template.Limit != out[j].Template.Limit {
			return out[i].Template.Limit > out[j].Template.Limit
		}
		return out[i].Template.Name < out[j].Template.Name
	})
	return out
}

// signalFit scores how well a template's signal kinds match the account's signals: the
// strongest signal named by kind beats a weaker one, which beats "any".
func signalFit(t *Template, kinds []string) (string, int, bool) {
	if len(kinds) == 0 {
		return "", 10, t.Fallback()
	}
	for i, k := range kinds {
		if IsOpening(k) && slices.Contains(t.Fits.Signals, k) {
			if i == 0 {
				return k, 10, true
			}
			return k, 6, true
		}
	}
	if slices.Contains(t.Fits.Signals, SignalAny) {
		for _, k := range kinds {
			if IsOpening(k) {
				return k, 4, true
			}
		}
	}
	return "", 0, false
}

// ChoosePain picks the pain point a template names for an account: one the account shows in
// public, else the one typical for its stage, else the template's first. known lists the pain
// points that exist; observed says which the account shows.
func ChoosePain(t *Template, stage string, observed, known []string) (key string, isObserved bool) {
	for _, p := range observed {
		if t.FitsPain(p) {
			return p, true
		}
	}
	if d := DefaultPain(stage); t.FitsPain(d) && slices.Contains(known, d) {
		return d, false
	}
	for _, p := range t.Fits.Pains {
		if slices.Contains(known, p) {
			return p, false
		}
	}
	return DefaultPain(stage), false
}
