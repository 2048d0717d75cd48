package handlers

import (
	"context"
	"fmt"
	"strings"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// MarketStore is what the market command reads.
type MarketStore interface {
	Facts(ctx context.Context, subjectType string, subjectID int64) ([]store.Fact, error)
	Competitors(ctx context.Context) ([]store.CompetitorWithFacts, error)
	CommercialAlternatives(ctx context.Context) (store.Alternatives, error)
	Events(ctx context.Context) ([]store.Event, error)
	Communities(ctx context.Context) ([]store.Community, error)
	GuidanceOf(ctx context.Context, kind string) ([]store.Guidance, error)
	DecisionRoles(ctx context.Context) ([]store.DecisionRole, error)
}

// Market answers /market: the report's view of the market, competitors, events, communities,
// who decides, and how to reach out.
type Market struct {
	store MarketStore
}

// NewMarket builds the /market handler.
func NewMarket(st MarketStore) *Market { return &Market{store: st} }

type marketTopic struct {
	name, usage, description string
	render                   func(ctx context.Context) (slackmsg.Response, error)
}

func (h *Market) topics() []marketTopic {
	return []marketTopic{
		{"overview", "/market", "the market in numbers and the target segment", h.overview},
		{"competitors", "/market competitors", "Port, Cortex, OpsLevel, Humanitec, Roadie, Spotify Portal: what the report says and where they are in play", h.competitors},
		{"events", "/market events", "conferences worth attending, with sizes and presenters", h.events},
		{"communities", "/market communities", "where platform engineers talk, with member counts", h.communities},
		{"roles", "/market roles", "who decides, ranked by decision power", h.roles},
		{"outreach", "/market outreach", "outreach channels and the positioning rules for a warm first message", h.outreach},
	}
}

// Command declares /market.
func (h *Market) Command() Command {
	c := declared("/market", h.Handle)
	for _, t := range h.topics() {
		c.Forms = append(c.Forms, Subcommand{t.usage, t.description})
	}
	return c
}

// Handle answers /market.
func (h *Market) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	topic := strings.ToLower(strings.TrimSpace(req.Text))
	if topic == "" {
		topic = "overview"
	}
	var names []string
	for _, t := range h.topics() {
		if t.name == topic || strings.TrimSuffix(t.name, "s") == topic {
			return t.render(ctx)
		}
		names = append(names, "`"+t.name+"`")
	}
	return slackmsg.Ephemeral(fmt.Sprintf("I don't know the topic *%s*. Try one of %s, e.g. `/market competitors`.",
		slackmsg.Clip(req.Text, 60), strings.Join(names, ", "))), nil
}

func (h *Market) overview(ctx context.Context) (slackmsg.Response, error) {
	market, err := h.store.Facts(ctx, store.FactMarket, 0)
	if err != nil {
		return slackmsg.Response{}, err
	}
	segment, err := h.store.Facts(ctx, store.FactSegment, 0)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var b slackmsg.Builder
	b.Header("The Backstage market")
	b.Section("*In numbers*\n" + bullets(market, factLine))
	b.Section("*Target segment*\n" + bullets(segment, factLine))
	b.Context("More: `/market competitors`, `/market events`, `/market communities`, `/market roles`, `/market outreach`.")
	return slackmsg.Response{Text: "The Backstage market in numbers", Blocks: b.Blocks()}, nil
}

func (h *Market) competitors(ctx context.Context) (slackmsg.Response, error) {
	comps, err := h.store.Competitors(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	alt, err := h.store.CommercialAlternatives(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var b slackmsg.Builder
	b.Header("Competitors")
	if len(alt.Facts) > 0 {
		// Said once: the report says it of the commercial alternatives as a group.
		text := "*All commercial alternatives* (what the report says of them as a group)\n" + bullets(alt.Facts, factLine)
		if len(alt.TalkingPoints) > 0 {
			text += "\n_Answer them:_\n" + bullets(alt.TalkingPoints, func(f store.Fact) string { return slackmsg.Escape(f.Text) })
		}
		b.Section(text)
	}
	for _, c := range comps {
		text := fmt.Sprintf("*%s* (%s) — %s", slackmsg.Escape(c.Name), slackmsg.Escape(kindLabel(c.Kind)), slackmsg.Escape(c.Summary))
		if len(c.Facts) > 0 {
			text += "\n" + bullets(c.Facts, factLine)
		}
		if len(c.TalkingPoints) > 0 {
			text += "\n_Answer it:_ " + slackmsg.Escape(strings.Join(factTexts(c.TalkingPoints), " "))
		}
		if len(c.Accounts) > 0 {
			label := "_In play at:_ "
			if c.Kind == "managed_backstage" {
				label = "_Clients:_ "
			}
			text += "\n" + label + slackmsg.Escape(strings.Join(c.Accounts, ", "))
		}
		b.Section(text)
	}
	b.Context("Each one's card: `/account <name>`, e.g. `/account port`.")
	return slackmsg.Response{Text: fmt.Sprintf("%d competitors", len(comps)), Blocks: b.Blocks()}, nil
}

func (h *Market) events(ctx context.Context) (slackmsg.Response, error) {
	return listTopic(ctx, h.store.Events, "Conferences", func(n int) string { return fmt.Sprintf("%d conferences", n) }, eventLine)
}

func (h *Market) communities(ctx context.Context) (slackmsg.Response, error) {
	return listTopic(ctx, h.store.Communities, "Communities", func(n int) string { return fmt.Sprintf("%d communities", n) }, communityLine)
}

func (h *Market) roles(ctx context.Context) (slackmsg.Response, error) {
	return listTopic(ctx, h.store.DecisionRoles, "Who decides", func(int) string { return "Decision-makers by rank" }, decisionRoleLine)
}

// listTopic is a topic that is one list: a header over one bullet per item; text is the
// fallback text for n items.
func listTopic[T any](ctx context.Context, list func(context.Context) ([]T, error), header string, text func(n int) string, line func(T) string) (slackmsg.Response, error) {
	items, err := list(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var b slackmsg.Builder
	b.Header(header)
	b.Section(bullets(items, line))
	return slackmsg.Response{Text: text(len(items)), Blocks: b.Blocks()}, nil
}

func eventLine(e store.Event) string {
	s := "*" + slackmsg.Escape(e.Name) + "*" + part(" — ", e.Attendance, " attendees") + part(" · ", e.Location, "")
	if len(e.Companies) > 0 {
		s += " · presenters: " + slackmsg.Escape(strings.Join(e.Companies, ", "))
	}
	return s + part("\n    ", e.Notes, "")
}

func communityLine(c store.Community) string {
	return "*" + slackmsg.Escape(c.Name) + "* (" + slackmsg.Escape(c.Platform) + ")" + part(" — ", c.Members, " members") + part(". ", c.Notes, "")
}

func decisionRoleLine(r store.DecisionRole) string {
	return fmt.Sprintf("%d. *%s* — %s", r.Rank, slackmsg.Escape(r.Title), slackmsg.Escape(r.Why))
}

// part is v escaped between before and after, or nothing when v is empty.
func part(before, v, after string) string {
	if v == "" {
		return ""
	}
	return before + slackmsg.Escape(v) + after
}

func (h *Market) outreach(ctx context.Context) (slackmsg.Response, error) {
	channels, err := h.store.GuidanceOf(ctx, store.GuidanceChannel)
	if err != nil {
		return slackmsg.Response{}, err
	}
	rules, err := h.store.GuidanceOf(ctx, store.GuidancePositioning)
	if err != nil {
		return slackmsg.Response{}, err
	}
	var b slackmsg.Builder
	b.Header("How to reach out")
	b.Section("*Channels*\n" + bullets(channels, func(g store.Guidance) string {
		return "*" + slackmsg.Escape(g.Name) + "* — " + slackmsg.Escape(g.Text)
	}))
	b.Section("*Positioning for a warm first message*\n" + bullets(rules, func(g store.Guidance) string {
		return slackmsg.Escape(g.Text)
	}))
	return slackmsg.Response{Text: "Outreach channels and positioning", Blocks: b.Blocks()}, nil
}

func factTexts(fs []store.Fact) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Text
	}
	return out
}

func factLine(f store.Fact) string {
	if f.Figure != "" {
		return "*" + slackmsg.Escape(f.Figure) + "* — " + slackmsg.Escape(f.Text)
	}
	return slackmsg.Escape(f.Text)
}
