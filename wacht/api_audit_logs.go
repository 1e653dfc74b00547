package wacht

import (
	"context"
	"fmt"
	"iter"
)

// AllAuditLogs returns an iterator over an app's audit log entries matching
// params, newest first. It follows NextCursor from page to page, fetching
// each page lazily as the loop asks for more, and stops after the last page
// or at the first error, which it yields.
func (s *APIAuthService) AllAuditLogs(ctx context.Context, appSlug string, params APIAuditLogsParams) iter.Seq2[APIAuditLog, error] {
	return func(yield func(APIAuditLog, error) bool) {
		seen := map[string]bool{}
		for {
			page, err := s.AuditLogs(ctx, appSlug, params)
			if err != nil {
				yield(APIAuditLog{}, err)
				return
			}
			for _, entry := range page.Data {
				if !yield(entry, nil) {
					return
				}
			}
			if !page.HasMore || page.NextCursor == nil || *page.NextCursor == "" || len(page.Data) == 0 {
				return
			}
			next := *page.NextCursor
			if seen[next] {
				yield(APIAuditLog{}, fmt.Errorf("wacht: audit log cursor %q repeated; stopping", next))
				return
			}
			seen[next] = true
			params.Cursor = next
			params.Offset = 0
		}
	}
}
