package core

import (
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// Page sizes of offset-paginated list methods; see wacht.MaxPageSize.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// CheckPage validates a page request and returns the limit to send.
func CheckPage(limit, offset int) (int, error) {
	switch {
	case limit < 0:
		return 0, fmt.Errorf("wacht: Limit %d is negative: %w", limit, ErrInvalidParams)
	case limit > MaxPageSize:
		return 0, fmt.Errorf("wacht: Limit %d is above MaxPageSize (%d): %w", limit, MaxPageSize, ErrInvalidParams)
	case offset < 0:
		return 0, fmt.Errorf("wacht: Offset %d is negative: %w", offset, ErrInvalidParams)
	case limit == 0:
		return DefaultPageSize, nil
	}
	return limit, nil
}

// SetPage validates limit and offset and adds them to q.
func SetPage(q url.Values, limit, offset int) error {
	l, err := CheckPage(limit, offset)
	if err != nil {
		return err
	}
	q.Set("limit", strconv.Itoa(l))
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	return nil
}

// Paginate walks an offset-paginated list lazily: it fetches the next page
// only when the loop has consumed the previous one, and stops at the end,
// at the first error (which it yields), or when the loop breaks. fetch
// returns a page's items and whether the server reports more.
//
// The server computes has_more from one item beyond the page
// (paginate_results, platform/src/api/pagination.rs:5-21), so it is
// authoritative; an empty page ends the walk even if a server claimed
// otherwise, so a faulty has_more cannot loop forever.
func Paginate[T any](limit, offset int, fetch func(limit, offset int) ([]T, bool, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		size, err := CheckPage(limit, offset)
		if err != nil {
			yield(zero, err)
			return
		}
		for {
			items, more, err := fetch(size, offset)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if !more || len(items) == 0 {
				return
			}
			offset += len(items)
		}
	}
}

// Cursor walks a cursor-paginated list lazily, starting at cursor (empty
// for the first page). fetch returns a page's items, whether the server
// reports more, and the cursor of the next page. The walk ends when the
// server reports no more, sends no cursor, repeats the cursor it was given
// or returns an empty page, so a faulty server cannot loop it forever.
func Cursor[T any](cursor string, fetch func(cursor string) ([]T, bool, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			items, more, next, err := fetch(cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if !more || next == "" || next == cursor || len(items) == 0 {
				return
			}
			cursor = next
		}
	}
}
