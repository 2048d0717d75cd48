package watch

import (
	"sort"
)

// CachedWatchers lists the watchers the runner keeps between runs, as "key target".
func (r *Runner) CachedWatchers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.watchers))
	for k, c := range r.watchers {
		out = append(out, k+" "+c.target)
	}
	sort.Strings(out)
	return out
}
