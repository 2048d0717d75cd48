package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/digest"
	"outreachbot/followup"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/templates"
)

// HomeStore is what the App Home reads.
type HomeStore interface {
	AccountsOwnedBy(ctx context.Context, userID string) ([]store.Account, error)
	NewestSignalsOf(ctx context.Context, accountIDs []int64, perAccount int) (map[int64][]store.Signal, error)
	UnsentDraftsBy(ctx context.Context, userID string, limit int) ([]store.OutreachDraft, error)
	SubscriptionsBy(ctx context.Context, userID string) ([]store.Subscription, error)
	OpenFollowupsOf(ctx context.Context, userID string) ([]store.FollowupDetail, error)
	AccountCard(ctx context.Context, id int64) (*store.Card, error)
	DraftByID(ctx context.Context, id int64) (*store.OutreachDraft, error)
}

// Home is a rep's App Home tab: follow-ups due, drafts not sent, the accounts they own with
// their newest signals, and their digest subscriptions, paged within Slack's 100 blocks a view.
type Home struct {
	store HomeStore
	now   func() time.Time
}

// NewHome builds the App Home.
func NewHome(st HomeStore, now func() time.Time) *Home {
	return &Home{store: st, now: now}
}

// Action ids of the Home tab's own buttons.
const (
	ActionHomePage  = "home.page"  // value: the page to show (0-based)
	ActionHomeCard  = "home.card"  // value: an account id; the card arrives in the DM
	ActionHomeDraft = "home.draft" // value: a draft id; the draft arrives in the DM with its buttons
)

// MaxViewBlocks is Slack's limit of blocks in a Home tab or modal
// (https://docs.slack.dev/reference/views/home-tab-views: "Max of 100 blocks").
const MaxViewBlocks = 100

// homeSignals is how many newest signals each owned account shows.
const homeSignals = 2

// Command declares no slash command: the Home is opened, not typed.
func (h *Home) Command() Command { return Command{} }

// Actions returns the Home's buttons.
func (h *Home) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{
		ActionHomePage:  func(context.Context, Action) (slackmsg.Response, error) { return slackmsg.Response{}, nil },
		ActionHomeCard:  h.card,
		ActionHomeDraft: h.draft,
	}
}

// homeItem is one thing on the Home (a follow-up, a draft, an account, a subscription): its
// blocks stay together on one page, under their section's heading.
type homeItem struct {
	section string
	blocks  []slack.Block
}

// View builds page (0-based) of user's Home. The page is kept in the view's private_metadata so
// a button on it can publish the same page again.
func (h *Home) View(ctx context.Context, user string, page int) (slack.HomeTabViewRequest, error) {
	items, summary, err := h.items(ctx, user)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	pages := paginate(items, MaxViewBlocks-6) // header, summary, the page's footer
	page = max(0, min(page, len(pages)-1))
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Your day — " + h.now().Format("Mon 2 Jan"))),
		slack.NewContextBlock("home_summary", mrkdwn(summary)),
	}
	section := ""
	for _, it := range pages[page] {
		if it.section != section {
			section = it.section
			blocks = append(blocks, slack.NewDividerBlock(), slack.NewSectionBlock(mrkdwn("*"+section+"*"), nil, nil))
		}
		blocks = append(blocks, it.blocks...)
	}
	if len(pages) > 1 {
		var nav []slack.BlockElement
		if page > 0 {
			nav = append(nav, slackmsg.Button(ActionHomePage, "◀ Previous", strconv.Itoa(page-1), ""))
		}
		if page < len(pages)-1 {
			nav = append(nav, slackmsg.Button(ActionHomePage, "Next ▶", strconv.Itoa(page+1), ""))
		}
		blocks = append(blocks, slack.NewDividerBlock(), slack.NewActionBlock("home_nav", nav...),
			slack.NewContextBlock("home_page", mrkdwn(fmt.Sprintf("Page %d of %d", page+1, len(pages)))))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks},
		PrivateMetadata: strconv.Itoa(page)}, nil
}

// paginate fills pages in order without splitting an item, counting the heading a section gets
// on every page it appears on.
func paginate(items []homeItem, budget int) [][]homeItem {
	pages := [][]homeItem{nil}
	used, section := 0, ""
	for _, it := range items {
		cost := len(it.blocks)
		if it.section != section {
			cost += 2
		}
		if used+cost > budget && len(pages[len(pages)-1]) > 0 {
			pages = append(pages, nil)
			used, section = 0, ""
			cost = len(it.blocks) + 2
		}
		pages[len(pages)-1] = append(pages[len(pages)-1], it)
		used += cost
		section = it.section
	}
	return pages
}

// items reads everything the Home shows, in the order a rep works through it.
func (h *Home) items(ctx context.Context, user string) ([]homeItem, string, error) {
	now := h.now()
	fs, err := h.store.OpenFollowupsOf(ctx, user)
	if err != nil {
		return nil, "", err
	}
	drafts, err := h.store.UnsentDraftsBy(ctx, user, 200)
	if err != nil {
		return nil, "", err
	}
	accounts, err := h.store.AccountsOwnedBy(ctx, user)
	if err != nil {
		return nil, "", err
	}
	ids := make([]int64, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	signals, err := h.store.NewestSignalsOf(ctx, ids, homeSignals)
	if err != nil {
		return nil, "", err
	}
	subs, err := h.store.SubscriptionsBy(ctx, user)
	if err != nil {
		return nil, "", err
	}

	var items []homeItem
	due, later := 0, 0
	for _, f := range fs {
		if f.DueOn > followup.LocalDay(now, followup.Zone(f.Timezone)) {
			later++
			continue
		}
		due++
		items = append(items, homeItem{"Follow-ups due today", []slack.Block{
			slack.NewSectionBlock(mrkdwn(followup.Line(f, now)), nil, nil),
			actions("home_followup_"+strconv.FormatInt(f.ID, 10), append(followup.Buttons(f.ID),
				slackmsg.Button(ActionHomeDraft, "Open first message", strconv.FormatInt(f.DraftID, 10), ""))...),
		}})
	}
	for _, d := range drafts {
		line := fmt.Sprintf("*%s* at *%s* · %s · template `%s` · drafted %s", slackmsg.Escape(d.ContactName), slackmsg.Escape(d.Basis.AccountName),
			templates.Channel(d.Channel).InText(), slackmsg.Escape(d.Template), slackmsg.Date(d.CreatedAt))
		items = append(items, homeItem{"Drafts not sent yet", []slack.Block{
			slack.NewSectionBlock(mrkdwn(line), nil, slack.NewAccessory(slackmsg.Button(ActionHomeDraft, "Open draft", strconv.FormatInt(d.ID, 10), ""))),
		}})
	}
	for _, a := range accounts {
		items = append(items, homeItem{"My accounts", accountItem(a, signals[a.ID])})
	}
	if len(accounts) == 0 {
		items = append(items, homeItem{"My accounts", []slack.Block{slack.NewSectionBlock(mrkdwn(
			"You don't own any accounts yet. Claim one with `/account <name> owner @you` (pick yourself from Slack's list), "+
				"e.g. `/account expedia owner @you`. `/account find pain:yaml size:100-1000` finds accounts worth owning."), nil, nil)}})
	}
	for _, s := range subs {
		items = append(items, homeItem{"My digest subscriptions", []slack.Block{slack.NewSectionBlock(mrkdwn(homeSubscriptionLine(s)), nil, nil)}})
	}
	if len(subs) == 0 {
		items = append(items, homeItem{"My digest subscriptions", []slack.Block{slack.NewContextBlock("", mrkdwn(
			"None. `/digest subscribe me weekdays 08:30` sends you new signals on your accounts every weekday morning."))}})
	}
	summary := strings.Join([]string{
		slackmsg.Quantity(due, "follow-up due", "follow-ups due"),
		slackmsg.Quantity(len(drafts), "draft not sent", "drafts not sent"),
		slackmsg.Quantity(len(accounts), "account", "accounts"),
		slackmsg.Quantity(len(subs), "digest subscription", "digest subscriptions"),
	}, " · ")
	if later > 0 {
		summary += fmt.Sprintf(" · %s later (`/followups`)", slackmsg.Quantity(later, "follow-up", "follow-ups"))
	}
	return items, summary, nil
}

// accountItem is an owned account: name, stage, its newest signals, and its buttons.
func accountItem(a store.Account, signals []store.Signal) []slack.Block {
	text := fmt.Sprintf("*%s* · %s", slackmsg.Escape(a.Name), slackmsg.Escape(store.StageLabel(a.Stage)))
	if len(signals) == 0 {
		text += "\n_No signals yet._"
	}
	for _, sg := range signals {
		text += "\n• " + signalLine(sg)
	}
	id := strconv.FormatInt(a.ID, 10)
	return []slack.Block{
		slack.NewSectionBlock(mrkdwn(slackmsg.Truncate(text, slackmsg.MaxSectionText)), nil, nil),
		actions("home_account_"+id, slackmsg.Button(ActionHomeCard, "Open card", id, ""), slackmsg.Button(ActionDraftAccount, "Draft outreach", id, slack.StylePrimary)),
	}
}

// homeSubscriptionLine says where a digest goes, when, and what it filters.
func homeSubscriptionLine(s store.Subscription) string {
	where := "<#" + s.ChannelID + ">"
	if s.Personal() {
		where = "your DM (your accounts)"
	}
	line := fmt.Sprintf("*#%d* · %s · %s", s.ID, where, scheduleText(s))
	if f := digest.DescribeFilter(s.Filters); f != "" {
		line += " · filters: " + slackmsg.Escape(f)
	}
	return line + fmt.Sprintf(" · `/digest unsubscribe %d`", s.ID)
}

func (h *Home) card(ctx context.Context, a Action) (slackmsg.Response, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil {
		return slackmsg.Ephemeral("That button belongs to an older version of me; open the Home tab again."), nil
	}
	return cardOf(ctx, h.store, id)
}

func (h *Home) draft(ctx context.Context, a Action) (slackmsg.Response, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil {
		return slackmsg.Ephemeral("That button belongs to an older version of me; open the Home tab again."), nil
	}
	d, err := h.store.DraftByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return slackmsg.Ephemeral("That draft no longer exists."), nil
	}
	if err != nil {
		return slackmsg.Response{}, err
	}
	if d.Author != a.UserID && d.SentBy != a.UserID {
		return slackmsg.Ephemeral("That draft is someone else's."), nil
	}
	return renderDraft(d, nil, modeDM, ""), nil
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, slackmsg.Truncate(s, slackmsg.MaxHeaderText), false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, slackmsg.Truncate(s, slackmsg.MaxSectionText), false, false)
}

func actions(blockID string, btns ...*slack.ButtonBlockElement) slack.Block {
	elems := make([]slack.BlockElement, len(btns))
	for i, b := range btns {
		elems[i] = b
	}
	return slack.NewActionBlock(blockID, elems...)
}

// RefusedHome is the Home of someone who may not use the bot: only why, and whom to ask.
func RefusedHome(why slackmsg.Response) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: why.Blocks}}
}
