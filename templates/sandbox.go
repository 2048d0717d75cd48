package templates

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode"
)

// FuncDocs documents the template function set: these and text/template's comparisons and logic
// (and, or, not, eq, ne, lt, le, gt, ge, len, index) are all a template may call. None of them
// can reach files, the network or the process, and none builds anything larger than its input.
var FuncDocs = []struct{ Name, Usage, Does string }{
	{"default", `default "there" .Contact.FirstName`, "the value, or the fallback when the value is empty"},
	{"lower", `lower .Signal.KindLabel`, "lower case"},
	{"upper", `upper .Account.Name`, "upper case"},
	{"capfirst", `capfirst .Pain.Phrase`, "the first letter in upper case"},
	{"join", `join ", " .Account.Competitors`, "a list joined with a separator"},
	{"short", `short 60 .Signal.Title`, "cut to at most N characters at a word boundary, ending with …"},
}

// userFuncs is the function set, without the escaper the sandbox adds to every action.
var userFuncs = template.FuncMap{
	"default":  defaultOf,
	"lower":    strings.ToLower,
	"upper":    strings.ToUpper,
	"capfirst": capFirst,
	"join": func(sep string, list []string) string {
		return strings.Join(list, sep)
	},
	"short": shorten,
}

// allowedBuiltins are the text/template built-ins a template may use. The others are refused:
// print/printf/println can build output of any size before the output cap sees it ("%0999999999d"),
// call runs a function value, and html/js/urlquery escape for the wrong medium.
var allowedBuiltins = map[string]bool{
	"and": true, "or": true, "not": true, "eq": true, "ne": true, "lt": true, "le": true,
	"gt": true, "ge": true, "len": true, "index": true,
}

// escFunc is the name of the function the sandbox appends to every printing action.
const escFunc = "_esc"

// Sandbox limits.
const (
	// MaxList is how many items any list in Data holds, so a range runs at most this often.
	MaxList = 5
	// maxCost bounds the work a template can do: actions and text nodes executed, with a range
	// counted MaxList times and a {{template}} call counted as the template it calls.
	maxCost = 20000
)

// compile parses a template body and applies the sandbox: it refuses functions outside the set,
// range over anything but the data's lists, recursion and templates too costly to run, then
// makes every printing action escape its value for the channel and refuse an empty one.
func compile(name, text string, escape func(string) string) (*template.Template, error) {
	funcs := template.FuncMap{escFunc: func(string, any) (string, error) { return "", nil }}
	for k, v := range userFuncs {
		funcs[k] = v
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("does not parse: %s", trimTemplateErr(err))
	}
	trees := map[string]*parse.Tree{}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			trees[tt.Name()] = tt.Tree
		}
	}
	names := make([]string, 0, len(trees))
	for n := range trees {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := checkTree(trees[n].Root); err != nil {
			return nil, fmt.Errorf("%s: %w", where(n, name), err)
		}
	}
	c := coster{trees: trees, memo: map[string]int{}, state: map[string]int{}}
	for _, n := range names {
		cost, err := c.template(n)
		if err != nil {
			return nil, err
		}
		if cost > maxCost {
			return nil, fmt.Errorf("%s does too much work (more than %d steps, counting each range as %d rounds); simplify it", where(n, name), maxCost, MaxList)
		}
	}
	for _, n := range names {
		escapeActions(trees[n], trees[n].Root)
	}
	t.Funcs(template.FuncMap{escFunc: escaper(escape)})
	return t, nil
}

func where(n, main string) string {
	if n == main {
		return "the template"
	}
	return fmt.Sprintf("{{define %q}}", n)
}

// checkTree refuses calls outside the function set and ranges over anything but a data field.
func checkTree(n parse.Node) error {
	var err error
	walk(n, func(n parse.Node) bool {
		if err != nil {
			return false
		}
		switch n := n.(type) {
		case *parse.IdentifierNode:
			if _, ok := userFuncs[n.Ident]; !ok && !allowedBuiltins[n.Ident] {
				err = fmt.Errorf("%s is not in the template function set (%s)", n.Ident, funcList())
			}
		case *parse.RangeNode:
			if !isDataField(n.Pipe) {
				err = fmt.Errorf("{{range %s}}: range only over a list in the data, e.g. {{range .Account.Competitors}}", n.Pipe)
			}
		}
		return true
	})
	return err
}

// isDataField reports whether a pipeline is exactly a field of the data (.A.B or $.A.B), whose
// lists the renderer caps at MaxList items; a number, a variable or a function result could be
// anything.
func isDataField(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) > 1 && a.Ident[0] == "$"
	}
	return false
}

func funcList() string {
	var names []string
	for _, f := range FuncDocs {
		names = append(names, f.Name)
	}
	for b := range allowedBuiltins {
		names = append(names, b)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// coster computes how much work each template does, refusing recursion.
type coster struct {
	trees map[string]*parse.Tree
	memo  map[string]int
	state map[string]int // 1 = being computed, 2 = done
}

func (c *coster) template(name string) (int, error) {
	switch c.state[name] {
	case 1:
		return 0, fmt.Errorf("{{template %q}} calls itself, directly or through another template: a template may not recurse", name)
	case 2:
		return c.memo[name], nil
	}
	tree, ok := c.trees[name]
	if !ok {
		return 0, fmt.Errorf("{{template %q}} calls a template that is not defined", name)
	}
	c.state[name] = 1
	cost, err := c.list(tree.Root)
	if err != nil {
		return 0, err
	}
	c.state[name] = 2
	c.memo[name] = cost
	return cost, nil
}

func (c *coster) list(l *parse.ListNode) (int, error) {
	if l == nil {
		return 0, nil
	}
	total := 0
	for _, n := range l.Nodes {
		cost, err := c.node(n)
		if err != nil {
			return 0, err
		}
		total = satAdd(total, cost)
	}
	return total, nil
}

func (c *coster) node(n parse.Node) (int, error) {
	switch n := n.(type) {
	case *parse.TextNode, *parse.ActionNode:
		return 1, nil
	case *parse.IfNode:
		return c.branch(&n.BranchNode, 1)
	case *parse.WithNode:
		return c.branch(&n.BranchNode, 1)
	case *parse.RangeNode:
		return c.branch(&n.BranchNode, MaxList)
	case *parse.TemplateNode:
		cost, err := c.template(n.Name)
		return satAdd(cost, 1), err
	case *parse.ListNode:
		return c.list(n)
	}
	return 0, nil
}

func (c *coster) branch(b *parse.BranchNode, times int) (int, error) {
	body, err := c.list(b.List)
	if err != nil {
		return 0, err
	}
	alt, err := c.list(b.ElseList)
	if err != nil {
		return 0, err
	}
	return satAdd(satAdd(1, satMul(body, times)), alt), nil
}

func satAdd(a, b int) int { return min(a+b, maxCost+1) }
func satMul(a, b int) int {
	if a > 0 && b > (maxCost+1)/a {
		return maxCost + 1
	}
	return min(a*b, maxCost+1)
}

// escapeActions appends `_esc "<expr>"` to every action that prints, so each inserted value is
// escaped for the channel and an empty one is refused with the expression that produced it.
func escapeActions(tree *parse.Tree, root parse.Node) {
	walk(root, func(n parse.Node) bool {
		a, ok := n.(*parse.ActionNode)
		if !ok || a.Pipe == nil || len(a.Pipe.Decl) > 0 || a.Pipe.IsAssign {
			return true
		}
		expr := a.Pipe.String()
		id := parse.NewIdentifier(escFunc).SetTree(tree).SetPos(a.Pos)
		arg := &parse.StringNode{NodeType: parse.NodeString, Pos: a.Pos, Quoted: strconv.Quote(expr), Text: expr}
		a.Pipe.Cmds = append(a.Pipe.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: a.Pos, Args: []parse.Node{id, arg}})
		return false
	})
}

// walk visits every node under n, depth first; visit returns false to skip a node's children.
func walk(n parse.Node, visit func(parse.Node) bool) {
	if n == nil || !visit(n) {
		return
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, visit)
		}
	case *parse.ActionNode:
		walkPipe(n.Pipe, visit)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.TemplateNode:
		walkPipe(n.Pipe, visit)
	case *parse.PipeNode:
		walkPipe(n, visit)
	case *parse.CommandNode:
		for _, a := range n.Args {
			walk(a, visit)
		}
	case *parse.ChainNode:
		walk(n.Node, visit)
	}
}

func walkPipe(p *parse.PipeNode, visit func(parse.Node) bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		walk(c, visit)
	}
}

func walkBranch(b *parse.BranchNode, visit func(parse.Node) bool) {
	walkPipe(b.Pipe, visit)
	if b.List != nil {
		walk(b.List, visit)
	}
	if b.ElseList != nil {
		walk(b.ElseList, visit)
	}
}

// trimTemplateErr drops text/template's "template: name:" prefix noise but keeps line:col.
func trimTemplateErr(err error) string {
	return strings.TrimPrefix(err.Error(), "template: ")
}

func capFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// shorten cuts s to at most n runes at a word boundary, ending with "…".
func shorten(n int, s string) string {
	r := []rune(s)
	if n < 1 || len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndexAny(cut, " \t"); i > len(cut)/2 {
		cut = cut[:i]
	}
	// An opening bracket whose close was cut off goes too: "Engineer (Backstage…" reads broken.
	if i := strings.LastIndex(cut, "("); i > 0 && !strings.Contains(cut[i:], ")") {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:-–—") + "…"
}
