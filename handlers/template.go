package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/templates"
)

// TemplateStore is what the template catalogue and /template read and write.
type TemplateStore interface {
	LatestTemplates(ctx context.Context) ([]store.OutreachTemplate, error)
	TemplateVersions(ctx context.Context, name string) ([]store.OutreachTemplate, error)
	SaveTemplate(ctx context.Context, t *store.OutreachTemplate, baseVersion int, at time.Time) error
	TemplateStats(ctx context.Context) ([]store.TemplateStat, error)
	ReplyStats(ctx context.Context) (byPain, byKind []store.ReplyStat, err error)
}

// CatalogEntry is the live version of one template name: shipped, or the team's latest save,
// which replaces a shipped template of the same name.
type CatalogEntry struct {
	*templates.Template
	Version   int // 0 = shipped with the bot
	Author    string
	SavedAt   time.Time
	Overrides bool // a team version of a shipped template
}

// Origin says where the entry comes from, in mrkdwn.
func (e CatalogEntry) Origin() string {
	if e.Version == 0 {
		return "shipped"
	}
	s := fmt.Sprintf("team v%d", e.Version)
	if e.Author != "" {
		s += " by " + slackmsg.User(e.Author)
	}
	if !e.SavedAt.IsZero() {
		s += ", " + slackmsg.Date(e.SavedAt)
	}
	if e.Overrides {
		s += " (replaces the shipped one)"
	}
	return s
}

// TemplateCatalog merges the shipped templates with the team's, parsing each saved version once.
type TemplateCatalog struct {
	store  TemplateStore
	mu     sync.Mutex
	parsed map[int64]parsedRow // by outreach_templates.id; a saved version never changes
}

type parsedRow struct {
	t   *templates.Template
	err error
}

// NewTemplateCatalog builds the catalogue over the store.
func NewTemplateCatalog(st TemplateStore) *TemplateCatalog {
	return &TemplateCatalog{store: st, parsed: map[int64]parsedRow{}}
}

// BrokenTemplate is a saved team template that no longer parses (e.g. after the function set
// changed); it is left out of drafting and shown in /template list.
type BrokenTemplate struct {
	Name, Err string
	Version   int
}

// Entries lists every live template by name, and the saved ones that no longer parse.
func (c *TemplateCatalog) Entries(ctx context.Context) ([]CatalogEntry, []BrokenTemplate, error) {
	rows, err := c.store.LatestTemplates(ctx)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]CatalogEntry{}
	for _, t := range templates.Shipped() {
		byName[t.Name] = CatalogEntry{Template: t}
	}
	var broken []BrokenTemplate
	for _, r := range rows {
		p := c.parse(r)
		if p.err != nil {
			broken = append(broken, BrokenTemplate{Name: r.Name, Version: r.Version, Err: p.err.Error()})
			continue
		}
		_, shipped := templates.ShippedByName(r.Name)
		byName[r.Name] = CatalogEntry{Template: p.t, Version: r.Version, Author: r.Author, SavedAt: r.CreatedAt, Overrides: shipped}
	}
	out := make([]CatalogEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, broken, nil
}

// Lookup finds the live template of a name.
func (c *TemplateCatalog) Lookup(ctx context.Context, name string) (CatalogEntry, bool, error) {
	entries, _, err := c.Entries(ctx)
	if err != nil {
		return CatalogEntry{}, false, err
	}
	for _, e := range entries {
		if strings.EqualFold(e.Name, name) {
			return e, true, nil
		}
	}
	return CatalogEntry{}, false, nil
}

func (c *TemplateCatalog) parse(r store.OutreachTemplate) parsedRow {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.parsed[r.ID]; ok {
		return p
	}
	t, err := templates.Parse(r.Source)
	p := parsedRow{t: t, err: err}
	c.parsed[r.ID] = p
	return p
}

// Templates answers /template: the catalogue, previews, stats, and the admins' editor.
type Templates struct {
	store   TemplateStore
	catalog *TemplateCatalog
	drafts  *Drafts
	now     func() time.Time
}

// NewTemplates builds the /template handler; previews draft through d.
func NewTemplates(st TemplateStore, d *Drafts, now func() time.Time) *Templates {
	return &Templates{store: st, catalog: d.catalog, drafts: d, now: now}
}

// ViewTemplateSave is the callback id of the add/edit modal.
const ViewTemplateSave = "template.save"

// Command declares /template.
func (h *Templates) Command() Command { return declared("/template", h.Handle) }

// Views returns the modals this handler owns.
func (h *Templates) Views() map[string]ViewFunc {
	return map[string]ViewFunc{ViewTemplateSave: h.save}
}

// Handle answers /template.
func (h *Templates) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	sub, rest := splitFirst(req.Text)
	switch strings.ToLower(sub) {
	case "", "list":
		return h.list(ctx)
	case "show":
		return h.show(ctx, rest)
	case "preview":
		return h.preview(ctx, req, rest)
	case "stats":
		return h.stats(ctx)
	case "functions", "fields":
		return functionsHelp(), nil
	case "add", "new":
		return h.openEditor(ctx, req, "")
	case "edit":
		if rest == "" {
			return slackmsg.Ephemeral("Which template? `/template edit <name>`; `/template list` shows the names."), nil
		}
		return h.openEditor(ctx, req, rest)
	}
	return slackmsg.Ephemeral(fmt.Sprintf("I don't know `/template %s`. Try `/template list`, `show <name>`, `preview <name> <account>`, `stats`, `add` or `edit <name>`.", slackmsg.Clip(sub, 40))), nil
}

func (h *Templates) list(ctx context.Context) (slackmsg.Response, error) {
	entries, broken, err := h.catalog.Entries(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var b slackmsg.Builder
	b.Header("Outreach templates")
	var lines []string
	for _, e := range entries {
		lines = append(lines, fmt.Sprintf("• `%s` — %s\n      _%s · up to %s characters · %s · %s_",
			e.Name, slackmsg.Escape(e.Description), e.Channel.Label(), slackmsg.Count(e.Limit), fitsText(e.Template), e.Origin()))
	}
	b.Section(strings.Join(lines, "\n"))
	for _, br := range broken {
		b.Section(fmt.Sprintf(":warning: Team template `%s` v%d no longer passes the checks and is not used: %s", slackmsg.Escape(br.Name), br.Version, slackmsg.Clip(br.Err, 300)))
	}
	b.Context("Draft with one: `/draft <account> template:<name>` · try it: `/template preview <name> <account>`")
	return slackmsg.Response{Text: fmt.Sprintf("%d outreach templates", len(entries)), Blocks: b.Blocks()}, nil
}

func fitsText(t *templates.Template) string {
	var sig []string
	for _, k := range t.Fits.Signals {
		switch k {
		case templates.SignalNone:
			sig = append(sig, "no public signal")
		case templates.SignalAny:
			sig = append(sig, "any signal")
		default:
			sig = append(sig, templates.KindLabel(k))
		}
	}
	s := "fits " + strings.Join(sig, ", ")
	if len(t.Fits.Stages) > 0 {
		s += " · stages " + strings.Join(t.Fits.Stages, ", ")
	}
	if len(t.Fits.Roles) > 0 && !(len(t.Fits.Roles) == 1 && t.Fits.Roles[0] == templates.RoleAny) {
		s += " · " + strings.Join(t.Fits.Roles, ", ")
	}
	return s
}

func (h *Templates) show(ctx context.Context, name string) (slackmsg.Response, error) {
	if name == "" {
		return slackmsg.Ephemeral("Which template? `/template show <name>`; `/template list` shows the names."), nil
	}
	e, resp, err := knownTemplate(ctx, h.catalog, name)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	var b slackmsg.Builder
	b.Reserve(1)
	b.Header(e.Name)
	b.Section(fmt.Sprintf("%s\n_%s · up to %s characters · %s · %s_", slackmsg.Escape(e.Description), e.Channel.Label(),
		slackmsg.Count(e.Limit), fitsText(e.Template), e.Origin()))
	for _, part := range codeSections(e.Source) {
		b.Section(part)
	}
	versions, err := h.store.TemplateVersions(ctx, e.Name)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if len(versions) > 0 {
		var vs []string
		for i, v := range versions {
			if i == 8 {
				vs = append(vs, fmt.Sprintf("… and %d older", len(versions)-i))
				break
			}
			vs = append(vs, fmt.Sprintf("v%d by %s, %s", v.Version, slackmsg.User(v.Author), slackmsg.Date(v.CreatedAt)))
		}
		b.Section("*Versions:* " + strings.Join(vs, " · "))
	}
	b.Final(slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
		"Functions and fields: `/template functions` · admins: `/template edit "+e.Name+"`", false, false)))
	return slackmsg.Response{Text: "Template " + slackmsg.Escape(e.Name), Blocks: b.Blocks()}, nil
}

// knownTemplate looks a template up by name; a name the catalog does not hold is answered (resp)
// with the names it does hold.
func knownTemplate(ctx context.Context, c *TemplateCatalog, name string) (CatalogEntry, *slackmsg.Response, error) {
	e, ok, err := c.Lookup(ctx, name)
	if err != nil || ok {
		return e, nil, err
	}
	r, err := unknownTemplate(ctx, c, name)
	return e, &r, err
}

func unknownTemplate(ctx context.Context, c *TemplateCatalog, name string) (slackmsg.Response, error) {
	entries, _, err := c.Entries(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, "`"+e.Name+"`")
	}
	return slackmsg.Ephemeral(fmt.Sprintf("There is no template called `%s`. The templates are %s.", slackmsg.Clip(name, 60), strings.Join(names, ", "))), nil
}

func (h *Templates) preview(ctx context.Context, req Request, rest string) (slackmsg.Response, error) {
	name, account := splitFirst(rest)
	if name == "" || account == "" {
		return slackmsg.Ephemeral("Type `/template preview <name> <account>`, e.g. `/template preview talk-followup expedia`."), nil
	}
	e, resp, err := knownTemplate(ctx, h.catalog, name)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	return h.drafts.run(ctx, draftArgs{account: account, template: e.Name}, req.UserID, req.ChannelID, true)
}

func (h *Templates) stats(ctx context.Context) (slackmsg.Response, error) {
	rows, err := h.store.TemplateStats(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if len(rows) == 0 {
		return slackmsg.Ephemeral("No drafts yet. Start one with `/draft <account>`."), nil
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Drafted > rows[j].Drafted })
	var b slackmsg.Builder
	b.Header("Template stats")
	lines := []string{"```", fmt.Sprintf("%-28s %7s %5s %7s %6s", "template", "drafted", "sent", "replied", "rate")}
	var tot store.TemplateStat
	for _, r := range rows {
		rate := "–"
		if r.Sent > 0 {
			rate = fmt.Sprintf("%.0f%%", 100*r.ReplyRate())
		}
		lines = append(lines, fmt.Sprintf("%-28s %7d %5d %7d %6s", slackmsg.Clip(r.Template, 28), r.Drafted, r.Sent, r.Replied, rate))
		tot.Drafted += r.Drafted
		tot.Sent += r.Sent
		tot.Replied += r.Replied
	}
	rate := "–"
	if tot.Sent > 0 {
		rate = fmt.Sprintf("%.0f%%", 100*tot.ReplyRate())
	}
	lines = append(lines, fmt.Sprintf("%-28s %7d %5d %7d %6s", "all", tot.Drafted, tot.Sent, tot.Replied, rate), "```")
	b.Section(strings.Join(lines, "\n"))
	byPain, byKind, err := h.store.ReplyStats(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if t := replyTable("pain point", byPain, func(k string) string { return k }); t != "" {
		b.Section("*Reply rate by pain point named*\n" + t)
	}
	if t := replyTable("signal kind", byKind, store.SignalKindLabel); t != "" {
		b.Section("*Reply rate by signal named*\n" + t)
	}
	b.Context("Reply rate = replied ÷ sent. A draft counts as sent once someone presses *Mark sent*, and as replied after *Mark replied*.")
	return slackmsg.Response{Text: fmt.Sprintf("Template stats: %d drafted, %d sent, %d replied", tot.Drafted, tot.Sent, tot.Replied), Blocks: b.Blocks()}, nil
}

// replyTable lays out sent, replied and reply rate per key, best rate first.
func replyTable(what string, rows []store.ReplyStat, label func(string) string) string {
	if len(rows) == 0 {
		return ""
	}
	lines := []string{"```", fmt.Sprintf("%-28s %5s %7s %6s", what, "sent", "replied", "rate")}
	for _, r := range rows {
		lines = append(lines, fmt.Sprintf("%-28s %5d %7d %5.0f%%", slackmsg.Escape(slackmsg.Truncate(label(r.Key), 28)), r.Sent, r.Replied, 100*r.ReplyRate()))
	}
	return strings.Join(append(lines, "```"), "\n")
}

// functionsHelp documents what a template can read and call.
func functionsHelp() slackmsg.Response {
	var b slackmsg.Builder
	b.Header("Writing a template")
	b.Section("A template is YAML front matter between `---` lines (name, description, channel, subject for e-mail, limit, fits: signals, pains, roles, stages) and a Go text/template body. " +
		"Every value you insert is escaped for the channel, and an empty one is refused: wrap optional ones in `{{with .Signal.Topic}}…{{end}}` or use `default`. " +
		"Add `{{define \"short\"}}…{{end}}` for a shorter variant used when the body is over its limit.")
	var fn []string
	for _, f := range templates.FuncDocs {
		fn = append(fn, fmt.Sprintf("• `%s` — %s, e.g. `{{%s}}`", f.Name, slackmsg.Escape(f.Does), slackmsg.Escape(f.Usage)))
	}
	b.Section("*Functions* (plus and, or, not, eq, ne, lt, le, gt, ge, len, index)\n" + strings.Join(fn, "\n"))
	b.Section("*Fields*\n" + strings.Join([]string{
		"• `.Account`: Name, Industry, Stage, StageLabel, Cohort, Region, Size, Outcome, Competitors (list)",
		"• `.Contact`: Name, FirstName, Title, Role (leader/manager/engineer), SpokeAt (list)",
		"• `.Warm` and `.Signal`: Kind, KindLabel, Title, Summary, URL, Year, Event, Topic, ByContact",
		"• `.Pain`: Key, Title, Phrase, Figure, Number, TalkingPoint, Observed, Evidence",
		"• `.HasPeer` and `.Peer`: Name, Outcome, Why",
	}, "\n"))
	var chans []string
	for _, c := range templates.Channels() {
		chans = append(chans, fmt.Sprintf("`%s` (%s, up to %s characters)", c.Channel, c.Label, slackmsg.Count(c.MaxChars)))
	}
	b.Section("*Channels:* " + strings.Join(chans, ", "))
	b.Context(fmt.Sprintf("Limits: %s characters of source, no recursion, range only over the data's lists, a capped output and a time limit.", slackmsg.Count(templates.MaxSourceChars)))
	return slackmsg.Response{Text: "Writing a template", Blocks: b.Blocks()}
}

// editorMeta is the private_metadata of the template modal.
type editorMeta struct {
	Name string `json:"name,omitempty"` // "" when adding
	Base int    `json:"base"`           // the team version the edit started from
}

// templateSkeleton is the starting text of /template add.
const templateSkeleton = `---
name: my-template
description: One line on when to use it.
channel: linkedin_message
limit: 1000
fits:
  signals: [conference_talk]
  pains: [any]
  roles: [any]
---
Hi {{default "there" .Contact.FirstName}},

I saw {{if .Signal.ByContact}}you spoke{{else}}{{.Account.Name}}'s talk{{end}}{{with .Signal.Event}} at {{.}}{{end}}. {{.Pain.TalkingPoint}}

Would you be open to comparing notes?
`

func (h *Templates) openEditor(ctx context.Context, req Request, name string) (slackmsg.Response, error) {
	if !req.Admin {
		return slackmsg.Ephemeral("Only admins can add or edit templates (`OUTREACHBOT_ADMIN_USERS`). Anyone can `/template preview` one."), nil
	}
	meta := editorMeta{}
	src := templateSkeleton
	title := "New template"
	if name != "" {
		e, resp, err := knownTemplate(ctx, h.catalog, name)
		if err != nil || resp != nil {
			return derefResponse(resp), err
		}
		meta = editorMeta{Name: e.Name, Base: e.Version}
		src = e.Source
		title = "Edit template"
	}
	raw, _ := json.Marshal(meta)
	input := slack.NewPlainTextInputBlockElement(nil, "source")
	input.Multiline = true
	input.InitialValue = src
	input.MaxLength = templates.MaxSourceChars
	hint := "Checked before saving: it must parse, use only the template functions, and render within its limit for sample accounts."
	modal := &slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      ViewTemplateSave,
		PrivateMetadata: string(raw),
		Title:           slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Check and save", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
				"Fields and functions: `/template functions`. Each save is a new version; drafts use the latest.", false, false)),
			slack.NewInputBlock("source", slack.NewTextBlockObject(slack.PlainTextType, "Template", false, false),
				slack.NewTextBlockObject(slack.PlainTextType, hint, false, false), input),
		}},
	}
	return slackmsg.Response{Modal: modal}, nil
}

// maxFieldError keeps a modal field error readable.
const maxFieldError = 300

func (h *Templates) save(ctx context.Context, v ViewSubmission) (ViewResult, error) {
	fail := func(msg string) (ViewResult, error) {
		return ViewResult{Errors: map[string]string{"source": slackmsg.Cut(msg, maxFieldError)}}, nil
	}
	if !v.Admin {
		return fail("Only admins can save templates.")
	}
	var meta editorMeta
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil {
		return fail("This form is from an older version of me; close it and run the command again.")
	}
	src := strings.ReplaceAll(v.Values["source"]["source"], "\r\n", "\n")
	t, err := templates.Validate(ctx, src)
	if err != nil {
		return fail("Not saved: " + err.Error())
	}
	switch {
	case meta.Name == "":
		if _, exists, err := h.catalog.Lookup(ctx, t.Name); err != nil {
			return ViewResult{}, err
		} else if exists {
			return fail(fmt.Sprintf("A template called %s exists already: pick another name, or use /template edit %s.", t.Name, t.Name))
		}
	case t.Name != meta.Name:
		return fail(fmt.Sprintf("Renaming is not supported: keep \"name: %s\", or add a new template.", meta.Name))
	}
	row := &store.OutreachTemplate{Name: t.Name, Source: src, Channel: string(t.Channel), Description: t.Description, Author: v.UserID}
	if err := h.store.SaveTemplate(ctx, row, meta.Base, h.now()); err != nil {
		if errors.Is(err, store.ErrVersionConflict) {
			return fail("Someone saved a newer version while you were editing. Copy your text, close this form and run /template edit " + t.Name + " again.")
		}
		return ViewResult{}, err
	}
	msg := slackmsg.Ephemeral(fmt.Sprintf(":white_check_mark: Saved `%s` v%d (%s, up to %s characters). Drafts use it from now on. Try it: `/template preview %s <account>`.",
		t.Name, row.Version, t.Channel.Label(), slackmsg.Count(t.Limit), t.Name))
	return ViewResult{Message: &msg, Channel: v.UserID}, nil
}

// codeSections puts text in mrkdwn code blocks of at most MaxSectionText characters each,
// split at line breaks, escaped, with any ``` inside defused so the block cannot end early.
func codeSections(text string) []string {
	text = strings.ReplaceAll(slackmsg.Escape(text), "```", "`\u200b`\u200b`")
	const room = slackmsg.MaxSectionText - 8 // the fences and their newlines
	var out []string
	for text != "" {
		chunk := text
		if utf8.RuneCountInString(chunk) > room {
			runes := []rune(text)
			chunk = string(runes[:room])
			if i := strings.LastIndex(chunk, "\n"); i > 0 {
				chunk = chunk[:i]
			} else if i := strings.LastIndex(chunk, "&"); i > len(chunk)-6 {
				chunk = chunk[:i] // never split an &amp;
			}
		}
		text = strings.TrimPrefix(text[len(chunk):], "\n")
		out = append(out, "```\n"+chunk+"\n```")
	}
	return out
}
