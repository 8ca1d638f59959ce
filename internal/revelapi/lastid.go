package revelapi

import (
	"context"

	"github.com/tidwall/gjson"
)

// LastID returns the largest id the pager's query selects, asking for one
// row sorted by id descending; ok is false when the query selects no row.
// Callers split the rest of a listing by id with it, so they must know
// order_by=id to be honoured (keyset paging in effect and verified).
func (p *Pager) LastID(ctx context.Context) (id int64, ok bool, err error) {
	page, err := p.c.Get(ctx, p.keysetURL("", true, 1))
	if err != nil || len(page.Objects) == 0 {
		return 0, false, err
	}
	v := gjson.Get(page.Objects[0], "id")
	if v.Type != gjson.Number {
		return 0, false, nil
	}
	return v.Int(), true, nil
}
