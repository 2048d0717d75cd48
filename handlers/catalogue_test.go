package handlers

import (
	"strings"
	"testing"
)

// TestCatalogue_refusesWhatItCannotShow: a misspelt key or an entry without the words Slack's
// menu shows stops the bot at start-up instead of showing an empty help.
func TestCatalogue_refusesWhatItCannotShow(t *testing.T) {
	for name, raw := range map[string]string{
		"misspelt key":     "- name: /x\n  description: d\n  usage_hint: u\n  exmaples: [a]\n",
		"no usage hint":    "- name: /x\n  description: d\n",
		"declared twice":   "- {name: /x, description: d, usage_hint: u}\n- {name: /x, description: d, usage_hint: u}\n",
		"not a list":       "name: /x\n",
		"handle in a file": "- {name: /x, description: d, usage_hint: u, handle: x}\n",
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%q was accepted", raw)
				}
			}()
			mustReadCatalogue([]byte(raw))
		})
	}
	c := mustReadCatalogue([]byte("- {name: /x, description: d, usage_hint: u, forms: [{usage: /x a, description: b}]}\n"))["/x"]
	if c.Description != "d" || c.UsageHint != "u" || len(c.Forms) != 1 || !strings.HasPrefix(c.Forms[0].Usage, "/x") {
		t.Errorf("read %+v", c)
	}
}

// TestDeclared_handlersDoNotShareForms: a handler that appends its own forms (/market,
// /followups) must not change what the next caller of declared gets.
func TestDeclared_handlersDoNotShareForms(t *testing.T) {
	a := declared("/account", nil)
	a.Forms[0].Usage = "changed"
	_ = append(a.Forms, Subcommand{"more", "more"})
	if b := declared("/account", nil); b.Forms[0].Usage == "changed" {
		t.Error("declared hands out the catalogue's own forms")
	}
}
