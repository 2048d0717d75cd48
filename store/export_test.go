package store

// SetAfterListen lets tests wait for the listener to apply another replica's change.
func SetAfterListen(d *Directory, f func(ids []int64)) { d.afterListen = f }
