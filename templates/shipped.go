package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"
)

//go:embed outreach/*.tmpl
var shippedFiles embed.FS

// shipped parses the embedded templates once. A broken embedded template is a programming error,
// caught by the tests; the bot refuses to start with one.
var shipped = sync.OnceValues(func() ([]*Template, error) {
	names, err := fs.Glob(shippedFiles, "outreach/*.tmpl")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]*Template, 0, len(names))
	for _, n := range names {
		src, err := shippedFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		t, err := Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("shipped template %s: %w", path.Base(n), err)
		}
		if want := path.Base(n); want != t.Name+".tmpl" {
			return nil, fmt.Errorf("shipped template %s is named %q inside", want, t.Name)
		}
		out = append(out, t)
	}
	return out, nil
})

// Shipped returns the templates built into the binary, by name. It panics if one of them is
// broken, which the tests rule out.
func Shipped() []*Template {
	ts, err := shipped()
	if err != nil {
		panic(err)
	}
	return ts
}

// ShippedByName finds a built-in template.
func ShippedByName(name string) (*Template, bool) {
	for _, t := range Shipped() {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}
