package wacht

import (
	"encoding/json"
	"iter"

	"github.com/wacht-platform/serverless-go/wacht/internal/core"
)

// Page sizes of offset-paginated list methods.
const (
	// DefaultPageSize is the page size used when a params Limit is 0.
	DefaultPageSize = 20
	// MaxPageSize is the largest Limit a list method accepts. A larger
	// Limit is an error (wrapping ErrInvalidParams), never silently clamped.
	MaxPageSize = 100
)

// Page is one page of an offset-paginated list, as the platform API writes
// it: {"data": [...], "has_more": bool, "limit"?: n, "offset"?: n}
// (PaginatedResponse, platform/src/application/response.rs:126-137). There is no
// total count anywhere in the API; HasMore is the only end-of-list signal.
type Page[T any] struct {
	// Data holds the items of this page.
	Data []T `json:"data"`
	// HasMore is true when the server reports that more items follow.
	HasMore bool `json:"has_more"`
	// Limit and Offset echo the page the server returned. Lists built from a
	// plain vector carry neither (skip_serializing_if = "Option::is_none"),
	// and then both are 0.
	Limit  int `json:"limit,omitempty"`
	Offset int `json:"offset,omitempty"`

	// echoed records which of limit and offset the answer carried, so a
	// page encodes back to what was received ("offset": 0 included).
	echoed struct{ limit, offset bool }
}

type pageWire[T any] struct {
	Data    []T  `json:"data"`
	HasMore bool `json:"has_more"`
	Limit   *int `json:"limit,omitempty"`
	Offset  *int `json:"offset,omitempty"`
}

// UnmarshalJSON reads {data, has_more, limit?, offset?}.
func (p *Page[T]) UnmarshalJSON(b []byte) error {
	var w pageWire[T]
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Page[T]{Data: w.Data, HasMore: w.HasMore}
	if w.Limit != nil {
		p.Limit, p.echoed.limit = *w.Limit, true
	}
	if w.Offset != nil {
		p.Offset, p.echoed.offset = *w.Offset, true
	}
	return nil
}

// MarshalJSON writes the page as the server does: limit and offset when
// the decoded answer carried them (or when set), data as an array.
func (p Page[T]) MarshalJSON() ([]byte, error) {
	w := pageWire[T]{Data: p.Data, HasMore: p.HasMore}
	if w.Data == nil {
		w.Data = []T{}
	}
	if p.echoed.limit || p.Limit != 0 {
		w.Limit = &p.Limit
	}
	if p.echoed.offset || p.Offset != 0 {
		w.Offset = &p.Offset
	}
	return json.Marshal(w)
}

// more reports whether a page after p may exist. The server computes
// has_more from one item beyond the page (paginate_results,
// platform/src/api/pagination.rs:5-21), so it is authoritative; an empty
// page ends the walk even if a server claimed otherwise, so a faulty
// has_more cannot loop forever.
func (p *Page[T]) more() bool {
	return p.HasMore && len(p.Data) > 0
}

// paginate walks an offset-paginated list lazily; see core.Paginate.
func paginate[T any](limit, offset int, fetch func(limit, offset int) (*Page[T], error)) iter.Seq2[T, error] {
	return core.Paginate(limit, offset, func(limit, offset int) ([]T, bool, error) {
		page, err := fetch(limit, offset)
		if err != nil {
			return nil, false, err
		}
		return page.Data, page.more(), nil
	})
}
