package handlers

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// commandsYAML is the catalogue of slash commands: name, description, usage hint, forms and
// examples of each, in one file next to the handlers. The words are the team's, read by people
// (help, Slack's command menu, the App Home), so they are kept as one readable list rather than
// spread over ten handler files.
//
//go:embed commands.yml
var commandsYAML []byte

// catalogue is commands.yml by command name, read once at start-up: a file the binary carries
// either parses or no test of this package passes.
var catalogue = mustReadCatalogue(commandsYAML)

func mustReadCatalogue(raw []byte) map[string]Command {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var list []Command
	if err := dec.Decode(&list); err != nil {
		panic(fmt.Sprintf("handlers: commands.yml: %v", err))
	}
	out := make(map[string]Command, len(list))
	for _, c := range list {
		if c.Name == "" || c.Description == "" || c.UsageHint == "" {
			panic(fmt.Sprintf("handlers: commands.yml: %q needs a name, a description and a usage_hint", c.Name))
		}
		mustAdd(out, c.Name, c)
	}
	return out
}

// declared is the command name as commands.yml declares it, answered by handle. A name the
// catalogue lacks is a programming error and panics at start-up, as a name declared twice does.
func declared(name string, handle HandlerFunc) Command {
	c, ok := catalogue[name]
	if !ok {
		panic("handlers: " + name + " is not in commands.yml")
	}
	c.Forms = slices.Clone(c.Forms)
	c.Examples = slices.Clone(c.Examples)
	c.Handle = handle
	return c
}
