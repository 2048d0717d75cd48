package store

import "context"

// SetAfterListen lets tests wait for the listener to apply another replica's change.
func SetAfterListen(d *Directory, f func(ids []int64)) { d.afterListen = f }

// CardByParts is the card looked up part by part (SQLite's way), to check PostgreSQL's one query.
func CardByParts(ctx context.Context, st *Store, id int64) (*Card, error) {
	c, err := st.cardByParts(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, st.addProducts(ctx, c)
}

// Reloads counts the directory's full index builds.
func Reloads(d *Directory) int64 { return d.reloads.Load() }

// CardSQL is the card's one PostgreSQL statement.
const CardSQL = cardSQL
