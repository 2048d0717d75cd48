package digest

import (
	"testing"

	"outreachbot/store"
)

func TestDescribeFilter(t *testing.T) {
	cases := []struct {
		f    store.SignalFilter
		want string
	}{
		{store.SignalFilter{}, ""},
		{store.SignalFilter{Segment: "target", EmployeesMin: 100, EmployeesMax: 1000, Industries: []string{"healthcare"}}, "segment:target"},
		{store.SignalFilter{Industries: []string{"healthcare"}, Kinds: []string{"news"}, MinScore: 30}, "industry:healthcare kind:news min-score:30"},
	}
	for _, c := range cases {
		if got := DescribeFilter(c.f); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
}
